// Shared helpers of the benchmarks: statistics, a fixed-concurrency load loop, tables, machine facts, throwaway
// PostgreSQL databases, child processes that are always cleaned up, and the docs/perf/<name>.md writer.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { setVariables } from '../src/config.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

// ---------------------------------------------------------------------------------------------------------------
// Statistics

/** Nearest-rank percentile (p in 0–100) of the values; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
  return {
    n: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `1.23 ms`-style number formatting with a fixed number of decimals. */
export function fmt(value: number, decimals = 2): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '–';
}

// ---------------------------------------------------------------------------------------------------------------
// Load

export interface LoadResult {
  /** Latency of each successful request, in milliseconds, in completion order. */
  latencies: number[];
  errors: number;
  /** The first few error messages, to print. */
  errorSamples: string[];
  elapsedMs: number;
}

/**
 * Runs `count` calls of `request(i)` with exactly `concurrency` in flight until the count is reached, then stops.
 * A call that throws counts as an error (its latency is not recorded).
 */
export async function runLoad(options: {
  count: number;
  concurrency: number;
  request: (i: number) => Promise<void>;
}): Promise<LoadResult> {
  const { count, concurrency, request } = options;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const t0 = performance.now();
      try {
        await request(i);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors += 1;
        if (errorSamples.length < 5) errorSamples.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { latencies, errors, errorSamples, elapsedMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------------------------
// Tables

/** A Markdown table with padded columns: readable in a terminal and valid in docs/perf/*.md. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(3, ...cells.map((r) => (r[c] ?? '').length)));
  const numeric = headers.map(
    (_, c) => rows.length > 0 && rows.every((r) => /^[-+]?\d/.test(String(r[c] ?? ''))),
  );
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...cells.slice(1).map(line)].join('\n');
}

export function printTable(headers: string[], rows: Array<Array<string | number>>): string {
  const text = table(headers, rows);
  process.stdout.write(`${text}\n`);
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Machine

export interface MachineFacts {
  cores: number;
  model: string;
  node: string;
  totalMemoryGiB: number;
  platform: string;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine shows here. */
  loadAverage: number[];
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/**
 * Starts measuring the share of the machine's CPU time its hypervisor took (steal, from /proc/stat); the returned
 * function gives the share since the start, NaN where /proc/stat has no steal. On a shared virtual machine a run
 * that lost a quarter of its CPU is not comparable with one that lost none, whichever side it was.
 */
export function stealMeter(): () => number {
  const start = cpuTicks();
  return () => {
    const end = cpuTicks();
    if (!start || !end || end.total === start.total) return Number.NaN;
    return (end.steal - start.steal) / (end.total - start.total);
  };
}

/** The machine's CPU ticks, all and stolen: the first line of /proc/stat (user nice system idle iowait irq softirq steal …). */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    if (fields.length < 8 || fields.some((f) => !Number.isFinite(f))) return undefined;
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7]! };
  } catch {
    return undefined;
  }
}

/** A steal share as a whole percentage. */
export function fmtShare(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'n/a';
}

/** The load averages when the benchmark process started (this module is loaded first thing). */
const LOAD_AT_START = os.loadavg().map((l) => Math.round(l * 100) / 100);

export function describeMachine(m: MachineFacts = machineFacts()): string {
  return (
    `${m.cores} cores (${m.model}), ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform}; ` +
    `load average (1/5/15 min) ${LOAD_AT_START.join(' / ')} at the start, ${m.loadAverage.join(' / ')} at the end`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: everything a benchmark starts or creates is undone at the end, on an error, and on Ctrl-C / SIGTERM.

const cleanups: Array<{ label: string; fn: () => Promise<void> | void }> = [];

/** Registers an undo step; returns a function that runs it now (once) and unregisters it. */
export function defer(label: string, fn: () => Promise<void> | void): () => Promise<void> {
  const entry = { label, fn };
  cleanups.push(entry);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    const at = cleanups.indexOf(entry);
    if (at >= 0) cleanups.splice(at, 1);
    await fn();
  };
}

/** Runs every registered undo step, newest first; a failing one is reported and the rest still run. */
export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const { label, fn } = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      process.stderr.write(
        `cleanup "${label}" failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }
}

let signalsInstalled = false;
/** On SIGINT/SIGTERM: clean up, then exit 130/143. bench/main.ts installs this once. */
export function cleanUpOnSignals(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up…\n`);
      void runCleanups().finally(() => process.exit(code));
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything it wrote to stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string | null>;
  /** SIGTERM to it, SIGKILL to its process group after `graceMs`; resolves when all of it has exited. Safe twice. */
  stop(graceMs?: number): Promise<number | string | null>;
}

/**
 * Spawns a command in its own process group (so that a `tsx` wrapper and the node process it starts are stopped
 * together) and registers its stop as a cleanup step. stdin stays an open pipe unless told otherwise.
 */
export function spawnChild(command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  const pid = child.pid;
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 65_536) output = output.slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.stdin?.on('error', () => {});
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', (err) => {
      keep(Buffer.from(`spawn error: ${err.message}\n`));
      resolve(null);
    });
  });
  let stopping: Promise<number | string | null> | undefined;
  const stop = (graceMs = 10_000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // already gone
        }
      };
      const deadline = Date.now() + graceMs;
      // SIGTERM to the leader only: a tsx wrapper relays it to its node child, and a second copy sent to the whole
      // group could reach the child twice (its once-handler gone, the second one kills it part-way through closing).
      child.kill('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      // The leader (e.g. the tsx wrapper) may go before the process doing the work (e.g. node closing PGlite):
      // let the rest of the group finish within the same grace, and only then kill what is left.
      while (groupMembers(pid).length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (groupMembers(pid).length > 0) signalGroup('SIGKILL');
      return code;
    })();
    return stopping;
  };
  const undo = defer(`stop ${command} (pid ${pid})`, async () => {
    await stop();
  });
  return {
    process: child,
    pid,
    output: () => output,
    exited,
    stop: async (graceMs) => {
      const code = await stop(graceMs);
      await undo();
      return code;
    },
  };
}

/** Resolves with the first match of `pattern` in the child's output, or rejects when it exits or the time is up. */
export function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = child.output().match(pattern);
      if (match) {
        done();
        resolve(match);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new Error(`timed out waiting for ${pattern} from pid ${child.pid}:\n${child.output().slice(-4000)}`),
      );
    }, timeoutMs);
    const onExit = (code: unknown) => {
      done();
      reject(
        new Error(
          `pid ${child.pid} exited (${String(code)}) before ${pattern}:\n${child.output().slice(-4000)}`,
        ),
      );
    };
    const done = () => {
      clearTimeout(timer);
      child.process.stdout?.off('data', check);
      child.process.stderr?.off('data', check);
      child.process.off('exit', onExit);
    };
    child.process.stdout?.on('data', check);
    child.process.stderr?.on('data', check);
    child.process.once('exit', onExit);
    check();
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in KiB (VmRSS of /proc/<pid>/status), or NaN when it cannot be read. */
export function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3, utime and stime are fields 14 and 15, in USER_HZ (100 on Linux) ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The processes whose /proc/<pid>/<file> passes `keep` (a process gone meanwhile is skipped). */
function processesWhere(file: 'cmdline' | 'stat', keep: (text: string) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (keep(readFileSync(`/proc/${entry}/${file}`, 'utf8'))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The PostgreSQL backends serving one database (their process title names it), from /proc. */
export function backendsOf(database: string): number[] {
  return processesWhere(
    'cmdline',
    (title) => title.startsWith('postgres: ') && title.includes(` ${database} `),
  );
}

/** Live (not zombie) processes of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  return processesWhere('stat', (stat) => {
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(pgrp) === pgid && state !== 'Z' && state !== 'X';
  });
}

/** Every descendant of `pid` (children first, then theirs), from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [child, parent] of parentOf) if (frontier.includes(parent)) next.push(child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/**
 * The node process that runs the program: `pid` itself when it is node and has no node child, else its deepest node
 * descendant (`tsx` is a node wrapper that starts a second node with its loader; esbuild's service is not node).
 */
export function nodeProcessOf(pid: number): number {
  const isNode = (p: number) => {
    try {
      return (
        readlinkSync(`/proc/${p}/exe`) === process.execPath || /\bnode$/.test(readlinkSync(`/proc/${p}/exe`))
      );
    } catch {
      return false;
    }
  };
  const nodes = descendants(pid).filter(isNode);
  return nodes.length > 0 ? nodes[nodes.length - 1]! : pid;
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

/** The server the benchmarks use: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local trust-auth default. */
export function postgresServerUrl(): string {
  const env = setVariables(process.env); // an empty variable is unset
  return env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface FreshDatabase {
  name: string;
  url: string;
  /** Drops it (with FORCE, so left-over connections do not block it). Safe to call twice. */
  drop(): Promise<void>;
}

/** A throwaway database on the benchmark server; dropped by `drop()` or, failing that, by the cleanup at the end. */
export async function createFreshPostgres(prefix = 'balance_bench'): Promise<FreshDatabase> {
  const server = postgresServerUrl();
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  const drop = defer(`drop database ${name}`, async () => {
    const a = postgres(server, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      await a.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await a.end();
    }
  });
  return { name, url: url.toString(), drop };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

/** One GET on a fresh connection; resolves with the status code (0 when nothing answers). */
export function httpStatus(url: string, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves with the milliseconds since `since`
 * (a performance.now() value). Node's own http client, so that polling costs little CPU beside what it measures.
 */
export async function waitForHealthy(
  url: string,
  options: { since: number; timeoutMs?: number; intervalMs?: number; gaveUp?: () => boolean },
): Promise<number> {
  const deadline = options.since + (options.timeoutMs ?? 60_000);
  for (;;) {
    if ((await httpStatus(url)) === 200) return performance.now() - options.since;
    if (options.gaveUp?.()) throw new Error(`gave up waiting for ${url}`);
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 in time`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Options

/** A mistake on the command line: bench/main.ts prints its message alone, without a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--name value` / `--name=value` / `--flag` / `--no-flag` options after the benchmark's name; unknown ones are an error. */
export function parseOptions<T extends Record<string, string | number | boolean>>(
  args: string[],
  defaults: T,
  usage: string,
): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const negated = match?.[1]?.startsWith('no-') ? camel(match[1].slice(3)) : undefined;
    if (negated !== undefined && typeof defaults[negated] === 'boolean' && match?.[2] === undefined) {
      out[negated] = false; // --no-<flag>
      continue;
    }
    const key = match?.[1] === undefined ? undefined : camel(match[1]);
    if (!match || key === undefined || !(key in defaults)) {
      throw new UsageError(`unknown option "${arg}"\n${usage}`);
    }
    const kind = typeof defaults[key];
    if (kind === 'boolean') {
      out[key] = match[2] === undefined ? true : match[2] !== 'false';
      continue;
    }
    const raw = match[2] ?? args[++i];
    if (raw === undefined) throw new UsageError(`option --${match[1]} needs a value\n${usage}`);
    if (kind === 'number') {
      const n = Number(raw.replace(/[,_]/g, ''));
      if (!Number.isFinite(n) || n < 0)
        throw new UsageError(`option --${match[1]}: "${raw}" is not a number`);
      out[key] = n;
    } else {
      out[key] = raw;
    }
  }
  return out as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Results

/** The command that was run, as a reader would type it again. */
export function benchCommand(): string {
  return `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
}

/**
 * Writes docs/perf/<name>.md: a title, the date, the exact command, the machine (core count first), then `markdown`.
 * With `part`, only that part of the file is replaced and the other parts are kept (e.g. one per database), each with
 * its own command and machine line.
 */
export async function writeSection(name: string, markdown: string, part?: string): Promise<string> {
  const file = join(ROOT, 'docs', 'perf', `${name}.md`);
  await mkdir(dirname(file), { recursive: true });
  const m = machineFacts();
  const body = [
    `Run ${new Date().toISOString()} with \`${benchCommand()}\``,
    `on ${describeMachine(m)}.`,
    '',
    markdown.trim(),
  ].join('\n');
  if (!part) {
    await writeFile(file, `# Benchmark: ${name}\n\n${body}\n`);
    return file;
  }
  const begin = `<!-- part:${part} -->`;
  const end = `<!-- /part:${part} -->`;
  const block = `${begin}\n## ${part}\n\n${body}\n${end}`;
  let text = existsSync(file) ? await readFile(file, 'utf8') : `# Benchmark: ${name}\n`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  text =
    from >= 0 && to > from
      ? `${text.slice(0, from)}${block}${text.slice(to + end.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(file, text);
  return file;
}
