import { type ChildProcess, spawn } from 'node:child_process';
import { childEnv, ROOT, waitForOutput } from '../../support/cli.js';

/**
 * `balance <args>` as ONE real process: node with tsx's loader, not the `tsx` wrapper (which runs the script in a
 * child of its own, so a SIGKILL sent to the wrapper would leave the real process running).
 */
export interface BalanceProcess {
  child: ChildProcess;
  output: () => string;
  stdout: () => string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnBalance(args: string[], env: Record<string, string>): BalanceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d;
    stdout += d;
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => output, stdout: () => stdout, exited };
}

/** Runs `balance <args>` to the end, failing the test if it takes longer than `timeoutMs`. */
export async function runBalance(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string; stdout: string }> {
  const running = spawnBalance(args, env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  try {
    const { code } = await running.exited;
    return { code, output: running.output(), stdout: running.stdout() };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads until `done` holds (another process's progress, seen in the database), failing after `ms`. */
export async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  ms = 45_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ServingProcess extends BalanceProcess {
  port: number;
  /** Whether the process is still running (no exit code, no signal). */
  alive(): boolean;
}

/** `balance start` as a real process; resolves once it serves its HTTP routes (PORT=0 picks a free port). */
export async function serveBalance(env: Record<string, string>): Promise<ServingProcess> {
  const running = spawnBalance(['start'], { PORT: '0', ...env });
  const started = waitForOutput(running.output, /HTTP routes on port (\d+)/, 60_000);
  const ended = running.exited.then(() => {
    throw new Error(`balance start exited before serving:\n${running.output()}`);
  });
  const match = await Promise.race([started, ended]);
  return {
    ...running,
    port: Number(match[1]),
    alive: () => running.child.exitCode === null && running.child.signalCode === null,
  };
}
