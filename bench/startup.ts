// `npm run bench -- startup`: time from spawning the app as `npm start` runs it (`node dist/cli/main.js start`, on
// the output of `npm run build`, built once here) in shell mode, stdin an open pipe, as a service manager would start
// it without Slack variables, to the first 200 from /healthz — on embedded PGlite with a fresh data dir, on the same
// dir again, and on a fresh PostgreSQL database — and the idle RSS of the app's node process once healthy and
// settled. The baseline is `node -e` with a bare HTTP server answering 200, spawned and polled the same way (and,
// to show what tsx itself costs, the same server through tsx). Runs are interleaved.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Child,
  createFreshPostgres,
  defer,
  descendants,
  fmt,
  freePort,
  median,
  nodeProcessOf,
  parseOptions,
  printTable,
  ROOT,
  rssKiB,
  spawnChild,
  TSX,
  UsageError,
  waitForHealthy,
  writeSection,
} from './lib.js';

export const description =
  'time to the first 200 from /healthz (PGlite fresh / existing dir, PostgreSQL) and idle RSS, vs node -e';

const USAGE = `usage: npm run bench -- startup [options]
  --runs N       starts of each kind (default 3; the table shows the median)
  --settle MS    wait after healthy before reading the idle RSS (default 3000)
  --no-write     do not write docs/perf/startup.md`;

const CODE_SECRET = 'bench-code-secret-0123456789abcdef0123456789';
const NODE_SERVER =
  "require('node:http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain'});s.end('ok')}).listen(Number(process.env.PORT))";

type Kind = 'node -e' | 'tsx hello' | 'pglite bare' | 'pglite fresh' | 'pglite existing' | 'postgres';

/** Idle RSS of the app on an existing PGlite dir, at most this many times a bare PGlite process on that dir. */
const GOAL_IDLE_RSS = 1.25;

interface Start {
  kind: Kind;
  ms: number;
  /** KiB, of the node process that runs the program (for `tsx hello`, not the tsx wrapper). */
  rss: number;
  /** KiB, of the whole tree (tsx wrapper, node, esbuild's service). */
  treeRss: number;
  stopMs: number;
  exit: number | string | null;
}

function baseEnv(port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), LOG_LEVEL: 'info', ...extra };
}

async function timeStart(kind: Kind, spawnIt: (port: number) => Child, settleMs: number): Promise<Start> {
  const port = await freePort();
  const since = performance.now();
  const child = spawnIt(port);
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  try {
    const ms = await waitForHealthy(`http://127.0.0.1:${port}/healthz`, {
      since,
      timeoutMs: 120_000,
      intervalMs: 5,
      gaveUp: () => exited,
    });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const node = nodeProcessOf(child.pid);
    const rss = rssKiB(node);
    const treeRss = [child.pid, ...descendants(child.pid)].reduce((a, p) => a + (rssKiB(p) || 0), 0);
    const stopStarted = performance.now();
    const exit = await child.stop();
    return { kind, ms, rss, treeRss, stopMs: performance.now() - stopStarted, exit };
  } catch (err) {
    throw new Error(
      `${kind}: ${err instanceof Error ? err.message : String(err)}\n${child.output().slice(-3000)}`,
    );
  } finally {
    await child.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args, { runs: 3, settle: 3000, write: true }, USAGE);
  if (o.runs < 1) throw new UsageError('--runs must be ≥ 1');
  const tmp = await mkdtemp(join(tmpdir(), 'balance-bench-startup-'));
  const removeTmp = defer(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));
  try {
    const nodeE = (port: number) => spawnChild(process.execPath, ['-e', NODE_SERVER], { env: baseEnv(port) });
    const tsxHello = (port: number) =>
      spawnChild(TSX, ['bench/support/hello-server.ts'], { cwd: ROOT, env: baseEnv(port) });
    const barePglite = (dir: string) => (port: number) =>
      spawnChild(process.execPath, ['bench/support/bare-pglite.mjs'], {
        cwd: ROOT,
        env: baseEnv(port, { DATA_DIR: dir }),
      });
    const app = (env: Record<string, string>) => (port: number) =>
      spawnChild(process.execPath, ['dist/cli/main.js', 'start'], { cwd: ROOT, env: baseEnv(port, env) });
    // What `npm start` does before it starts the app (its prestart), once rather than in every timed start.
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });

    process.stdout.write(
      `startup: ${o.runs} run(s) of each, interleaved; idle RSS read ${o.settle} ms after the first 200\n` +
        '  warm-up (untimed): one start of each program, so that the OS file cache and tsx’s transform cache are warm\n',
    );
    await timeStart('node -e', nodeE, 0);
    await timeStart('tsx hello', tsxHello, 0);
    await timeStart('pglite fresh', app({ DATABASE_URL: 'pglite://memory' }), 0);

    const starts: Start[] = [];
    for (let i = 0; i < o.runs; i++) {
      const dir = join(tmp, `pglite-${i}`);
      const fresh = await createFreshPostgres('balance_bench_startup');
      try {
        const round = [
          await timeStart('node -e', nodeE, o.settle),
          await timeStart('tsx hello', tsxHello, o.settle),
          await timeStart('pglite fresh', app({ DATABASE_URL: `pglite://${dir}` }), o.settle),
          await timeStart('pglite existing', app({ DATABASE_URL: `pglite://${dir}` }), o.settle),
          await timeStart('pglite bare', barePglite(dir), o.settle),
          await timeStart('postgres', app({ DATABASE_URL: fresh.url, CODE_SECRET }), o.settle),
        ];
        starts.push(...round);
        process.stdout.write(
          `  run ${i + 1}/${o.runs}: ${round.map((s) => `${s.kind} ${fmt(s.ms, 0)} ms`).join(', ')}\n`,
        );
      } finally {
        await fresh.drop();
        await rm(dir, { recursive: true, force: true });
      }
    }

    const kinds: Kind[] = [
      'node -e',
      'tsx hello',
      'pglite bare',
      'pglite fresh',
      'pglite existing',
      'postgres',
    ];
    const baseline = median(starts.filter((s) => s.kind === 'node -e').map((s) => s.ms));
    const what: Record<Kind, string> = {
      'node -e': 'baseline: `node -e` bare HTTP server',
      'tsx hello': 'bare HTTP server through tsx',
      'pglite bare': 'bare PGlite on the existing dir (`node`, no tsx)',
      'pglite fresh': 'app, PGlite, fresh data dir',
      'pglite existing': 'app, PGlite, existing data dir',
      postgres: 'app, PostgreSQL, fresh database',
    };
    const mib = (kib: number) => fmt(kib / 1024, 1);
    const rows = kinds.map((kind) => {
      const of = starts.filter((s) => s.kind === kind);
      const ms = of.map((s) => s.ms);
      const m = median(ms);
      return [
        what[kind],
        fmt(m, 0),
        `${fmt(Math.min(...ms), 0)}–${fmt(Math.max(...ms), 0)}`,
        `${fmt(m / baseline, 1)}×`,
        mib(median(of.map((s) => s.rss))),
        mib(median(of.map((s) => s.treeRss))),
        fmt(median(of.map((s) => s.stopMs)), 0),
      ];
    });
    process.stdout.write('\n');
    const text = printTable(
      ['start', 'median ms', 'range ms', '× node -e', 'idle RSS MiB', 'tree RSS MiB', 'stop ms'],
      rows,
    );
    const rssOf = (kind: Kind) => median(starts.filter((s) => s.kind === kind).map((s) => s.rss));
    const idleRatio = rssOf('pglite existing') / rssOf('pglite bare');
    const verdict =
      `Idle RSS, app on an existing PGlite dir vs a bare PGlite process on the same dir: ${fmt(idleRatio)}× ` +
      `(goal ≤ ${GOAL_IDLE_RSS}×): ${idleRatio <= GOAL_IDLE_RSS ? 'PASS' : 'MISS'}.`;
    const badExits = starts.filter((s) => s.exit !== 0 && s.exit !== 'SIGTERM');
    const notes = [
      verdict,
      `Time: from spawn to the first 200 from GET /healthz (polled every 5 ms on a new connection). Median of ${o.runs}.`,
      'idle RSS: VmRSS of the node process that runs the program (for tsx hello, the child of the tsx wrapper), ' +
        `${o.settle} ms after the first 200; tree RSS adds the tsx wrapper and esbuild's service. stop: SIGTERM to exit.`,
      'The app runs as `npm start` runs it, `node dist/cli/main.js start` (built once by `npm run build`), in shell mode (no Slack variables, stdin an open pipe), ' +
        'PORT set, `DATABASE_URL=pglite://<tmp dir>` (fresh, then the same dir again) or a fresh PostgreSQL database with `CODE_SECRET`.',
      badExits.length > 0
        ? `Exits other than 0 on SIGTERM: ${badExits.map((s) => `${s.kind} → ${String(s.exit)}`).join(', ')}.`
        : 'Every start stopped cleanly on SIGTERM.',
    ];
    process.stdout.write(`\n${notes.join('\n')}\n`);
    if (o.write) {
      const file = await writeSection('startup', [text, '', ...notes].join('\n'));
      process.stdout.write(`wrote ${file}\n`);
    }
  } finally {
    await removeTmp();
  }
}
