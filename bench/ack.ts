// `npm run bench -- ack`: how fast the real app acknowledges signed `/balance estimate 120 24` and `/balance status`
// on its real HTTP receiver, beside a bare Bolt app (same receiver, same signing secret, a listener that acks with a static text)
// started the same way. Both run as child processes (`tsx src/cli/main.ts start` and `tsx bench/support/bare-bolt.ts`),
// so neither shares an event loop with the load generator or with the other; the runs alternate between them.
// The Slack Web API is a local fake that answers {ok:true}: nothing leaves 127.0.0.1.
import { createHmac } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import {
  backendsOf,
  type Child,
  cpuMs,
  createFreshPostgres,
  defer,
  fmt,
  fmtShare,
  nodeProcessOf,
  parseOptions,
  printTable,
  ROOT,
  runLoad,
  spawnChild,
  stealMeter,
  summarize,
  TSX,
  UsageError,
  waitForOutput,
  writeSection,
} from './lib.js';

export const description =
  'signed /balance estimate 120 24 and status on the real HTTP receiver vs a bare Bolt app: p50/p95/p99, ratios';

const USAGE = `usage: npm run bench -- ack [options]
  --count N        timed requests of each kind (estimate, status) per target (default 2000)
  --concurrency N  requests in flight (default 16)
  --warmup N       untimed requests per target first (default 200)
  --rounds N       alternating rounds app/bare (default 4)
  --db KIND        pglite (in memory, default), postgres (a fresh database on 127.0.0.1:5432), or both
  --no-write       do not write docs/perf/ack.md
  --verbose        print the end of the app's log at the end`;

const GOALS = { estimate: 1.2, status: 1.5 };
const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
const CODE_SECRET = 'bench-code-secret-0123456789abcdef0123456789';
const OWNER = 'UBENCHOWNER';
const ADMIN = 'UBENCHADMIN';
const CHANNEL = 'C0BENCHACME';

interface Reply {
  status: number;
  text: string;
}
type Post = (body: string) => Promise<Reply>;

function sign(body: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${signature}` };
}

/** A client on its own keep-alive pool, POSTing signed bodies to one target's /slack/events. */
function poster(port: number, concurrency: number): { post: Post; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post: Post = (body) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/slack/events',
          method: 'POST',
          agent,
          timeout: 15_000,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            ...sign(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in 15 s')));
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

let sequence = 0;
/** The form body Slack sends for a slash command; each has its own trigger_id, like real traffic. */
function commandBody(text: string, userId: string, channelId: string, responseUrl: string): string {
  sequence += 1;
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0BENCH',
    team_domain: 'bench',
    channel_id: channelId,
    channel_name: 'acme',
    user_id: userId,
    user_name: 'bench',
    command: '/balance',
    text,
    api_app_id: 'A0BENCH',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: `${sequence}.${Date.now()}.bench`,
  }).toString();
}

/** A local stand-in for the Slack Web API (and response_url): {ok:true} to anything, counting the calls. */
async function fakeSlack(): Promise<{
  url: string;
  calls: () => Map<string, number>;
  close: () => Promise<void>;
}> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      calls.set(path, (calls.get(path) ?? 0) + 1);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          ok: true,
          user_id: 'UBENCHBOT',
          bot_id: 'BBENCHBOT',
          team_id: 'T0BENCH',
          ts: '1.000100',
          channel: { id: 'D0BENCH' },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const close = defer('close the fake Slack API', async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${port}`, calls: () => new Map(calls), close };
}

function textOf(reply: Reply): string {
  try {
    const parsed = JSON.parse(reply.text) as { text?: string };
    return parsed.text ?? reply.text;
  } catch {
    return reply.text;
  }
}

async function expectReply(post: Post, body: string, expected: RegExp, what: string): Promise<string> {
  const reply = await post(body);
  const text = textOf(reply);
  if (reply.status !== 200 || !expected.test(text)) {
    throw new Error(
      `${what}: expected ${expected} in a 200, got ${reply.status}: ${reply.text.slice(0, 500)}`,
    );
  }
  return text;
}

function sumCalls(calls: Map<string, number>): number {
  return [...calls.values()].reduce((a, b) => a + b, 0);
}

/** Splits `total` into `parts` near-equal counts. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

interface Segment {
  label: 'app-estimate' | 'app-status' | 'bare';
  latencies: number[];
  errors: number;
  elapsedMs: number;
  requests: number;
  /** CPU time the target's node process used during the segment, and PostgreSQL's backends for it (app only). */
  cpuMs: number;
  dbCpuMs: number;
}

async function runOne(
  db: 'pglite' | 'postgres',
  o: { count: number; concurrency: number; warmup: number; rounds: number; write: boolean; verbose: boolean },
): Promise<void> {
  const slack = await fakeSlack();
  const responseUrl = `${slack.url}/respond/bench`;
  const fresh = db === 'postgres' ? await createFreshPostgres('balance_bench_ack') : undefined;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: `${slack.url}/api/`,
    SLACK_BOT_ID: 'BBENCHBOT',
    SLACK_BOT_USER_ID: 'UBENCHBOT',
  };
  let app: Child | undefined;
  let bare: Child | undefined;
  const clients: Array<{ close: () => void }> = [];
  try {
    app = spawnChild(TSX, ['src/cli/main.ts', 'start'], {
      cwd: ROOT,
      env: {
        ...env,
        BALANCE_OWNERS: OWNER,
        DATABASE_URL: fresh ? fresh.url : 'pglite://memory',
        ...(fresh ? { CODE_SECRET } : {}),
      },
    });
    bare = spawnChild(TSX, ['bench/support/bare-bolt.ts'], { cwd: ROOT, env });
    const appPort = Number((await waitForOutput(app, /HTTP routes on port (\d+)/))[1]);
    const barePort = Number((await waitForOutput(bare, /bare Bolt listening on (\d+)/))[1]);
    const appClient = poster(appPort, o.concurrency);
    const bareClient = poster(barePort, o.concurrency);
    clients.push(appClient, bareClient);

    // The account of the brief, set up through /balance itself, as an owner would.
    const as = (user: string, channel: string, text: string) => commandBody(text, user, channel, responseUrl);
    await expectReply(
      appClient.post,
      as(OWNER, 'C0BENCHGEN', 'account create Acme plus'),
      /Created Acme/,
      'create',
    );
    await expectReply(appClient.post, as(OWNER, CHANNEL, 'account link Acme'), /Linked/, 'link');
    await expectReply(
      appClient.post,
      as(OWNER, CHANNEL, `account admins add <@${ADMIN}|admin>`),
      /Added/,
      'admins',
    );
    await expectReply(appClient.post, as(ADMIN, CHANNEL, 'devices 120'), /120/, 'devices');
    await expectReply(appClient.post, as(OWNER, CHANNEL, 'adjust +3000 bench funds'), /\$3,000\.00/, 'funds');

    const estimateBody = () => as(ADMIN, CHANNEL, 'estimate 120 24');
    const statusBody = () => as(ADMIN, CHANNEL, 'status');
    const estimateText = await expectReply(appClient.post, estimateBody(), /\$11,520\.00/, 'estimate');
    const statusText = await expectReply(appClient.post, statusBody(), /\$3,000\.00/, 'status');
    const bareReply = await bareClient.post(estimateBody());
    if (bareReply.status !== 200)
      throw new Error(`bare Bolt answered ${bareReply.status}: ${bareReply.text}`);

    const checked = (post: Post, body: () => string, expected?: RegExp) => async () => {
      const reply = await post(body());
      if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.text.slice(0, 200)}`);
      if (expected && !expected.test(reply.text))
        throw new Error(`unexpected answer: ${reply.text.slice(0, 200)}`);
    };
    const load = {
      'app-estimate': checked(appClient.post, estimateBody, /\$11,520\.00/),
      'app-status': checked(appClient.post, statusBody, /\$3,000\.00/),
      'bare-estimate': checked(bareClient.post, estimateBody),
      'bare-status': checked(bareClient.post, statusBody),
    };
    const head = (t: string) => t.replace(/\s*\n+\s*/g, ' / ').slice(0, 110);
    process.stdout.write(
      `\nack on ${db === 'pglite' ? 'PGlite (in memory)' : `PostgreSQL (${fresh!.name})`}: app on :${appPort} (pid ${app.pid}), bare Bolt on :${barePort} (pid ${bare.pid})\n` +
        `  estimate answers: ${head(estimateText)}\n  status answers:   ${head(statusText)}\n` +
        `  ${o.count} of each kind per target at concurrency ${o.concurrency}, ${o.rounds} alternating rounds, after ${o.warmup} warm-up requests per target\n`,
    );

    // Warm-up of both, untimed: JIT, connection pools, keep-alive sockets.
    for (const [kind, n] of [
      ['app-estimate', Math.ceil(o.warmup / 2)],
      ['app-status', Math.floor(o.warmup / 2)],
      ['bare-estimate', Math.ceil(o.warmup / 2)],
      ['bare-status', Math.floor(o.warmup / 2)],
    ] as const) {
      const r = await runLoad({ count: n, concurrency: o.concurrency, request: load[kind] });
      if (r.errors > 0) throw new Error(`warm-up ${kind}: ${r.errors} errors, e.g. ${r.errorSamples[0]}`);
    }

    // CPU per request is less sensitive to other load on the machine than latency is.
    const nodeOf = { app: nodeProcessOf(app.pid), bare: nodeProcessOf(bare.pid) };
    const dbCpu = () =>
      fresh ? backendsOf(fresh.name).reduce((sum, pid) => sum + cpuMs(pid), 0) : Number.NaN;
    const callsBefore = sumCalls(slack.calls());
    const perRound = split(o.count, o.rounds);
    const segments: Array<Segment & { round: number }> = [];
    const errorSamples: string[] = [];
    const stolen: number[] = [];
    for (let round = 0; round < o.rounds; round++) {
      const n = perRound[round]!;
      if (n === 0) continue;
      const stolenInRound = stealMeter();
      const order = [
        ['app-estimate', 'app-estimate'],
        ['bare', 'bare-estimate'],
        ['app-status', 'app-status'],
        ['bare', 'bare-status'],
      ] as const;
      for (const [label, kind] of round % 2 === 0 ? order : [...order].reverse()) {
        const pid = label === 'bare' ? nodeOf.bare : nodeOf.app;
        const before = { cpu: cpuMs(pid), db: label === 'bare' ? 0 : dbCpu() };
        const r = await runLoad({ count: n, concurrency: o.concurrency, request: load[kind] });
        const used = { cpuMs: cpuMs(pid) - before.cpu, dbCpuMs: label === 'bare' ? 0 : dbCpu() - before.db };
        errorSamples.push(...r.errorSamples);
        segments.push({ label, round, requests: n, ...r, ...used });
      }
      stolen.push(stolenInRound());
      process.stdout.write(`  round ${round + 1}/${o.rounds} done\n`);
    }
    const slackCalls = sumCalls(slack.calls()) - callsBefore;

    const of = (label: Segment['label'], round?: number) => {
      const chosen = segments.filter((s) => s.label === label && (round === undefined || s.round === round));
      return {
        latencies: chosen.flatMap((s) => s.latencies),
        errors: chosen.reduce((a, s) => a + s.errors, 0),
        requests: chosen.reduce((a, s) => a + s.requests, 0),
        elapsedMs: chosen.reduce((a, s) => a + s.elapsedMs, 0),
        cpuMs: chosen.reduce((a, s) => a + s.cpuMs, 0),
        dbCpuMs: chosen.reduce((a, s) => a + s.dbCpuMs, 0),
      };
    };
    const rows: Array<Array<string | number>> = [];
    const stats = {} as Record<Segment['label'], ReturnType<typeof summarize>>;
    for (const label of ['app-estimate', 'app-status', 'bare'] as const) {
      const all = of(label);
      const s = summarize(all.latencies);
      stats[label] = s;
      rows.push([
        label,
        all.requests,
        all.errors,
        fmt((all.requests / all.elapsedMs) * 1000, 0),
        fmt(s.p50),
        fmt(s.p95),
        fmt(s.p99),
        fmt(s.max),
        fmt((all.cpuMs / all.requests) * 1000, 0),
        fresh ? fmt((all.dbCpuMs / all.requests) * 1000, 0) : '—',
      ]);
    }
    const headers = [
      'target',
      'requests',
      'errors',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'CPU µs/req',
      'PostgreSQL CPU µs/req',
    ];
    process.stdout.write('\n');
    const latencyTable = printTable(headers, rows);

    const roundRatios = (kind: 'app-estimate' | 'app-status') =>
      Array.from(
        { length: o.rounds },
        (_, r) => summarize(of(kind, r).latencies).p99 / summarize(of('bare', r).latencies).p99,
      )
        .filter(Number.isFinite)
        .map((x) => `${fmt(x)}×`)
        .join(', ');
    const goalRows = (
      [
        ['estimate p99 / bare p99', 'app-estimate', GOALS.estimate],
        ['status p99 / bare p99', 'app-status', GOALS.status],
      ] as const
    ).map(([what, kind, goal]) => {
      const value = stats[kind].p99 / stats.bare.p99;
      return [what, `${fmt(value)}×`, `≤ ${goal}×`, value <= goal ? 'PASS' : 'MISS', roundRatios(kind)];
    });
    process.stdout.write('\n');
    const goalTable = printTable(['ratio', 'measured', 'goal', 'verdict', 'per round'], goalRows);
    const totalErrors = segments.reduce((a, s) => a + s.errors, 0);
    const notes = [
      `Fake Slack API calls during the timed rounds: ${slackCalls} (${[...slack.calls()].map(([p, n]) => `${p} ${n}`).join(', ') || 'none'} in all).`,
      `CPU stolen by the hypervisor per round (/proc/stat): ${stolen.map(fmtShare).join(', ')}.`,
      totalErrors > 0 ? `Errors: ${totalErrors}, e.g. ${errorSamples.slice(0, 3).join(' | ')}` : 'No errors.',
    ];
    process.stdout.write(`\n${notes.join('\n')}\n`);

    if (o.write) {
      const file = await writeSection(
        'ack',
        [
          `Database: ${db === 'pglite' ? 'PGlite in memory (`DATABASE_URL=pglite://memory`)' : 'PostgreSQL, a fresh database on 127.0.0.1:5432'}.`,
          `The app is \`tsx src/cli/main.ts start\` in HTTP mode; the baseline is \`tsx bench/support/bare-bolt.ts\` (same Bolt HTTPReceiver and signing secret, one listener that acks with a static text). Both are child processes; the load comes from the parent over keep-alive HTTP on 127.0.0.1. CPU µs/req is the target's node process's user + system time over the timed requests (from /proc, 10 ms ticks), PostgreSQL's that of the backends serving the app's database.`,
          `Account Acme on plus, 120 devices, $3,000.00 in the wallet; requests as its admin in its linked channel. ${o.count} of each command per target, concurrency ${o.concurrency}, ${o.rounds} alternating rounds, ${o.warmup} warm-up requests per target. The bare app received the same two bodies, pooled as "bare".`,
          '',
          latencyTable,
          '',
          goalTable,
          '',
          ...notes,
        ].join('\n'),
        db,
      );
      process.stdout.write(`wrote ${file}\n`);
    }
  } finally {
    if (o.verbose && app)
      process.stdout.write(`\n--- end of the app's output ---\n${app.output().slice(-6000)}\n`);
    for (const c of clients) c.close();
    await Promise.all([app?.stop(), bare?.stop()]);
    await fresh?.drop();
    await slack.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(
    args,
    {
      count: 2000,
      concurrency: 16,
      warmup: 200,
      rounds: 4,
      db: 'pglite',
      write: true,
      verbose: false,
    },
    USAGE,
  );
  if (!['pglite', 'postgres', 'both'].includes(o.db))
    throw new UsageError(`--db must be pglite, postgres or both\n${USAGE}`);
  if (o.count < 1 || o.concurrency < 1 || o.rounds < 1)
    throw new UsageError(`--count, --concurrency and --rounds must be ≥ 1`);
  const dbs = o.db === 'both' ? (['pglite', 'postgres'] as const) : [o.db as 'pglite' | 'postgres'];
  for (const db of dbs) await runOne(db, { ...o, write: o.write });
}
