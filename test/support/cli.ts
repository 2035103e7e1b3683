import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

/** A clean environment for a child `balance` process: nothing of Slack, Stripe or the developer's shell leaks in. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `balance <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runScript('src/cli/main.ts', args, env);
}

/** Runs a TypeScript file of this repository (through tsx) to completion. */
export function runScript(file: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return runProgram(TSX, [file, ...args], env);
}

/** Runs a program of the repository (`node_modules/.bin/…`) in it, to completion, in a clean environment. */
export function runProgram(program: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: ROOT, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts `balance <args>` and resolves once `ready` matches its output. One process, node with tsx's loader: the `tsx`
 * wrapper relays a signal only after its child acknowledges it, and on a loaded machine a late acknowledgement makes
 * it SIGKILL the app (exit 143) instead of letting it shut down.
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: childEnv(env),
    });
    let output = '';
    const onData = (d: Buffer) => {
      output += d;
      const match = output.match(ready);
      if (match) resolve({ child, match, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`exited with ${code} before ready:\n${output}`)));
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Waits until a started process has printed something matching `pattern`, and returns the match. */
export async function waitForOutput(
  output: () => string,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${pattern}; output so far:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
