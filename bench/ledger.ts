// `npm run bench -- ledger`: credit postings per second through the app's ledger service (`postTransfer`) on
// PostgreSQL, over many wallets and on one hot wallet, and balance reads (`walletBalance`), each beside pgbench
// (TPC-B `-c 4 -j 2` and select-only `-S`) of the same duration, alternating, for several rounds.
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, queryRows } from '../src/db/client.js';
import { postTransfer, walletBalance } from '../src/ledger/ledger.js';
import { verifyLedger } from '../src/ledger/verify.js';
import {
  defer,
  describeMachine,
  fmt,
  fmtShare,
  machineFacts,
  median,
  parseOptions,
  printTable,
  stealMeter,
  summarize,
  writeSection,
} from './lib.js';
import { checkpoint, countRoundTrips, createPgbenchDatabase, openAppDatabase, pgbenchTps } from './pg.js';

export const description =
  'credit postings/s via postTransfer (1,000 wallets; one hot wallet) and balance reads vs pgbench TPC-B and -S';

const USAGE = `npm run bench -- ledger [--seconds 10] [--rounds 3] [--wallets 1000] [--connections 4] [--workers 4] [--sketch=false]
  --seconds      length of every timed run (app and pgbench alike)
  --rounds       rounds of pgbench TPC-B, -S and the app's runs, alternating (at least 3 for a median)
  --sketch       also time the same work as one prepared statement per call on a bare postgres.js pool (not the
                 app: what it would reach in one round trip); on by default, --sketch=false to skip`;

const GOALS = { many: 1.3, hot: 0.85, reads: 0.6 } as const;

interface Timed {
  ops: number;
  perSecond: number;
  errors: number;
  errorSample?: string;
  latencies: number[];
  /** This process's CPU time per operation, in microseconds (drizzle + postgres.js + the loop). */
  clientCpuUs: number;
}

/** `workers` loops calling `op` back to back until `seconds` have passed; counts what completed in that time. */
async function timed(seconds: number, workers: number, op: (worker: number, i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let errors = 0;
  let errorSample: string | undefined;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        try {
          await op(w, i);
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors += 1;
          errorSample ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ops = latencies.length;
  return {
    ops,
    perSecond: ops / elapsed,
    errors,
    ...(errorSample ? { errorSample } : {}),
    latencies,
    clientCpuUs: ops ? (cpu.user + cpu.system) / ops : Number.NaN,
  } satisfies Timed;
}

function random<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/** `count` customer accounts, each with its wallet at zero, in two set-based statements. */
async function seedWallets(url: string, count: number): Promise<number[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string }[]>`
      with a as (
        insert into accounts (name, plan_code, created_by)
        select 'bench ' || g, 'standard', 'bench' from generate_series(1, ${count}) g
        returning id)
      insert into ledger_accounts (kind, account_id, balance) select 'wallet', id, 0 from a
      returning account_id as id`;
    await sql`analyze`;
    return rows.map((r) => Number(r.id));
  } finally {
    await sql.end();
  }
}

/**
 * Not the app: the same credit (system → wallet, key claimed once, cached balance raised, atomically) as one
 * prepared statement in autocommit, one round trip. What postings would reach if postTransfer were written this way.
 */
function sketchCredit(client: postgres.Sql, key: string, accountId: number, amount: number) {
  return client`
    with t as (
      insert into transfers (idempotency_key, from_ledger_id, to_ledger_id, amount, actor, memo)
      values (${key}, (select id from ledger_accounts where kind = 'payments'),
              (select id from ledger_accounts where account_id = ${accountId}), ${amount}, 'bench', 'bench credit')
      on conflict (idempotency_key) do nothing
      returning to_ledger_id, amount),
    u as (update ledger_accounts w set balance = w.balance + t.amount from t where w.id = t.to_ledger_id returning w.id)
    select count(*) from u`;
}

/** Round trips per call through the app's pool (one connection, behind a counting relay). */
async function roundTrips(url: string, accountIds: number[]) {
  const relay = await countRoundTrips(url);
  const undo = defer('close the round-trip relay', () => relay.close());
  const probe = await openDatabase({ kind: 'postgres', url: relay.url }, { maxConnections: 1 });
  try {
    const n = 50;
    const credit = (i: number) =>
      postTransfer(probe.db, {
        key: `rt:${i}`,
        from: { system: 'payments' },
        to: { wallet: random(accountIds) },
        amount: 100n,
        actor: 'bench',
        memo: 'bench credit',
      });
    await credit(-1); // connects and warms up
    let before = relay.count();
    for (let i = 0; i < n; i++) await credit(i);
    const posting = (relay.count() - before) / n;
    before = relay.count();
    for (let i = 0; i < n; i++) await walletBalance(probe.db, random(accountIds));
    const read = (relay.count() - before) / n;
    return { posting, read };
  } finally {
    await probe.close();
    await undo();
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(
    args,
    { seconds: 10, rounds: 3, wallets: 1000, connections: 4, workers: 4, sketch: true },
    USAGE,
  );
  const machine = machineFacts();
  console.log(`ledger: ${describeMachine(machine)}`);
  console.log(
    `${o.rounds} rounds of ${o.seconds} s runs; app pool ${o.connections} connections, ${o.workers} workers`,
  );

  const app = await openAppDatabase('balance_bench_ledger', o.connections);
  const pgb = await createPgbenchDatabase(10);
  let sketchClient: postgres.Sql | undefined;
  try {
    const { db } = app.database;
    const accountIds = await seedWallets(app.url, o.wallets);
    const hot = accountIds[0]!;
    const trips = await roundTrips(app.url, accountIds);
    console.log(
      `round trips per call (counted on the wire): postTransfer ${fmt(trips.posting, 1)}, walletBalance ${fmt(trips.read, 1)}`,
    );
    const sketch = o.sketch ? postgres(app.url, { max: o.connections, onnotice: () => {} }) : undefined;
    sketchClient = sketch;

    // Every run of a round, in order; the order is reversed every other round, so neither side always runs first
    // (on warmer caches, or just after the other's WAL).
    type Kind = 'tpcb' | 'select' | 'many' | 'hot' | 'reads' | 'sketchMany' | 'sketchHot' | 'sketchReads';
    let seq = 0;
    const credit = (to: () => number) => () => {
      seq += 1;
      const tag = seq;
      return (w: number, i: number) =>
        postTransfer(db, {
          key: `bench:${tag}:${w}:${i}`,
          from: { system: 'payments' },
          to: { wallet: to() },
          amount: 100n,
          actor: 'bench',
          memo: 'bench credit',
        });
    };
    const sketchCreditTo = (client: postgres.Sql, to: () => number) => () => {
      seq += 1;
      const tag = seq;
      return (w: number, i: number) => sketchCredit(client, `sketch:${tag}:${w}:${i}`, to(), 100);
    };
    const appRuns: Array<{ kind: Kind; op: () => (w: number, i: number) => Promise<unknown> }> = [
      { kind: 'many', op: credit(() => random(accountIds)) },
      { kind: 'hot', op: credit(() => hot) },
      { kind: 'reads', op: () => () => walletBalance(db, random(accountIds)) },
      ...(sketch
        ? [
            { kind: 'sketchMany' as const, op: sketchCreditTo(sketch, () => random(accountIds)) },
            { kind: 'sketchHot' as const, op: sketchCreditTo(sketch, () => hot) },
            {
              kind: 'sketchReads' as const,
              op: () => () =>
                sketch`select balance from ledger_accounts where account_id = ${random(accountIds)}`,
            },
          ]
        : []),
    ];
    const order: Kind[] = ['tpcb', 'many', 'hot', ...(sketch ? (['sketchMany', 'sketchHot'] as const) : [])];
    order.push('select', 'reads', ...(sketch ? (['sketchReads'] as const) : []));

    type Round = {
      round: number;
      tpcb: number;
      select: number;
      app: Partial<Record<Kind, Timed>>;
      /** The share of the machine's CPU its hypervisor took during each run. */
      stolen: Partial<Record<Kind, number>>;
    };
    const rounds: Round[] = [];
    const stolenOf = (r: Round) =>
      order
        .map(
          (k) =>
            `${k === 'tpcb' ? 'TPC-B' : k === 'select' ? '-S' : k} ${fmtShare(r.stolen[k] ?? Number.NaN)}`,
        )
        .join(', ');
    for (let round = 1; round <= o.rounds; round++) {
      const r: Round = { round, tpcb: Number.NaN, select: Number.NaN, app: {}, stolen: {} };
      for (const kind of round % 2 === 1 ? order : [...order].reverse()) {
        const stolen = stealMeter();
        if (kind === 'tpcb')
          r.tpcb = (await pgbenchTps(pgb, { seconds: o.seconds, clients: 4, threads: 2 })).tps;
        else if (kind === 'select')
          r.select = (await pgbenchTps(pgb, { seconds: o.seconds, selectOnly: true })).tps;
        else {
          const spec = appRuns.find((a) => a.kind === kind)!;
          await checkpoint(app.url);
          const t = await timed(o.seconds, o.workers, spec.op());
          if (t.errors > 0) throw new Error(`${t.errors} calls of ${kind} failed, e.g. ${t.errorSample}`);
          r.app[kind] = t;
        }
        r.stolen[kind] = stolen();
      }
      rounds.push(r);
      const part = (k: Kind, label: string) => {
        const t = r.app[k];
        return t ? ` | ${label} ${fmt(t.perSecond, 0)}/s (${fmt(ratio(r, k))}×)` : '';
      };
      console.log(
        `round ${round}: TPC-B ${fmt(r.tpcb, 0)} tps${part('many', 'many wallets')}${part('hot', 'hot wallet')}` +
          `${part('sketchMany', 'sketch many')}${part('sketchHot', 'sketch hot')}` +
          ` | -S ${fmt(r.select, 0)} tps${part('reads', 'reads')}${part('sketchReads', 'sketch reads')}` +
          ` | stolen ${stolenOf(r)}`,
      );
    }

    const report = await verifyLedger(db);
    if (!report.ok)
      throw new Error(`the ledger does not verify after the run:\n${report.problems.join('\n')}`);
    const [{ n } = { n: 0 }] = await queryRows<{ n: unknown }>(db, sql`select count(*) as n from transfers`);

    console.log('');
    const labels: Record<Exclude<Kind, 'tpcb' | 'select'>, string> = {
      many: 'postTransfer, 1,000 wallets',
      hot: 'postTransfer, one hot wallet',
      reads: 'walletBalance',
      sketchMany: 'sketch: one-statement credit, 1,000 wallets',
      sketchHot: 'sketch: one-statement credit, one hot wallet',
      sketchReads: 'sketch: prepared balance read',
    };
    const shown = appRuns.map((a) => a.kind as Exclude<Kind, 'tpcb' | 'select'>);
    const roundTable = printTable(
      [
        'round',
        'TPC-B tps',
        'pgbench -S tps',
        ...shown.flatMap((k) => [`${k} /s`, 'ratio']),
        'CPU stolen, per run',
      ],
      rounds.map((r) => [
        r.round,
        fmt(r.tpcb, 0),
        fmt(r.select, 0),
        ...shown.flatMap((k) => [fmt(r.app[k]?.perSecond ?? Number.NaN, 0), `${fmt(ratio(r, k))}×`]),
        stolenOf(r),
      ]),
    );
    console.log('');
    const goalOf: Partial<Record<Kind, number>> = { many: GOALS.many, hot: GOALS.hot, reads: GOALS.reads };
    const verdicts = shown.map((k) => {
      const m = median(rounds.map((r) => ratio(r, k)));
      const goal = goalOf[k];
      return { kind: k, median: m, goal, pass: goal === undefined ? undefined : m >= goal };
    });
    const summaryTable = printTable(
      ['run', 'baseline', 'median ratio', 'goal', 'result', 'p50 ms', 'p99 ms', 'client CPU µs/call'],
      verdicts.map((v) => {
        const all = summarize(rounds.flatMap((r) => r.app[v.kind]?.latencies ?? []));
        const cpu = median(rounds.map((r) => r.app[v.kind]?.clientCpuUs ?? Number.NaN));
        return [
          labels[v.kind],
          isRead(v.kind) ? 'pgbench -S' : 'TPC-B',
          `${fmt(v.median)}×`,
          v.goal === undefined ? '–' : `≥ ${fmt(v.goal, 2)}×`,
          v.pass === undefined ? 'not the app' : v.pass ? 'PASS' : 'MISS',
          fmt(all.p50),
          fmt(all.p99),
          fmt(cpu, 0),
        ];
      }),
    );
    console.log(
      `\nledger verifies: ${report.ok} (${n} transfers, ${report.ledgerAccounts} ledger accounts); ` +
        `round trips per posting ${fmt(trips.posting, 1)}, per read ${fmt(trips.read, 1)}`,
    );

    await writeSection(
      'ledger',
      [
        `${o.rounds} rounds, ${o.seconds} s per run, the app's`,
        `\`postTransfer\` / \`walletBalance\` through \`openDatabase\` with a pool of ${o.connections} postgres.js connections (the reads on its`,
        'read lane: one read-only connection of its own, on which concurrent reads are pipelined) and',
        `${o.workers} concurrent workers over ${o.wallets} wallets (credits of 1.00 from \`payments\`, a unique idempotency key each).`,
        'pgbench on its own database initialised with `pgbench -i -s 10`: TPC-B as `pgbench -n -c 4 -j 2 -T <seconds>`,',
        'select-only as `pgbench -S -n -c 4 -j 2 -T <seconds>`. `CHECKPOINT` before every run, app and pgbench alike;',
        "the order of the runs is reversed every other round. Ratios are per round (against that round's pgbench), the",
        'goal is judged on their median. "Sketch" rows are not the app: the same work as one prepared statement per call',
        "on a bare postgres.js pool, to show what fewer round trips would reach. Client CPU is this process's CPU time",
        'per call (the app and PostgreSQL share the 2 cores). "CPU stolen" is the share of the machine\'s CPU time its',
        'hypervisor took during each run (/proc/stat): runs that lost much of it are not comparable with runs that lost none.',
        '',
        roundTable,
        '',
        summaryTable,
        '',
        `Round trips per call, counted on the wire by a relay in front of PostgreSQL: \`postTransfer\` ${fmt(trips.posting, 1)},`,
        `\`walletBalance\` ${fmt(trips.read, 1)}; pgbench TPC-B sends 7 statements per transaction, \`-S\` one. After the run the`,
        `ledger verifies (${n} transfers).`,
        '',
        analysis({
          trips,
          median: (k) => median(rounds.map((r) => ratio(r, k))),
          cpu: (k) =>
            median(
              rounds.map((r) => r.app[k as Exclude<Kind, 'tpcb' | 'select'>]?.clientCpuUs ?? Number.NaN),
            ),
        }),
      ].join('\n'),
    );
    const missed = verdicts.filter((v) => v.pass === false);
    console.log(
      missed.length
        ? `\nMISS: ${missed.map((v) => labels[v.kind]).join('; ')}`
        : '\nPASS: every ledger goal met',
    );
  } finally {
    await sketchClient?.end();
    await pgb.drop();
    await app.close();
  }
}

function isRead(kind: string): boolean {
  return kind === 'reads' || kind === 'sketchReads' || kind === 'select';
}

function ratio(
  r: { tpcb: number; select: number; app: Partial<Record<string, Timed>> },
  kind: string,
): number {
  const t = r.app[kind];
  return t ? t.perSecond / (isRead(kind) ? r.select : r.tpcb) : Number.NaN;
}

interface AnalysisFacts {
  trips: { posting: number; read: number };
  median: (kind: string) => number;
  cpu: (kind: string) => number;
}

/** Why the figures are what they are, and what in src/ would move them; the numbers are this run's. */
function analysis(f: AnalysisFacts): string {
  const x = (k: string) => `${fmt(f.median(k))}×`;
  const sketch = Number.isFinite(f.median('sketchMany'));
  return [
    '## What limits it, and what would close it',
    '',
    `A \`postTransfer\` is one statement and ${fmt(f.trips.posting, 0)} round trip (the debited wallet locked \`FOR UPDATE\`,`,
    'the transfer inserted if the balance covers it, both cached balances updated, in one `WITH` statement). Its text',
    'and parameter list are built once per process and pair of ledger account kinds (`preparedQuery` in',
    'src/db/client.ts, values as `sql.placeholder`), and postgres.js runs it as a named prepared statement;',
    '`walletBalance` is a prepared select the same way (`preparedRead`), one statement per call, on the read lane,',
    "where the reads of concurrent callers share the client's writes and the server's wake-ups; the sketch's reads",
    "each take a pool connection, as the app's did before the lane. A posting costs " +
      `${fmt(f.cpu('many'), 0)} µs of this process's CPU per call` +
      (sketch
        ? `, against ${fmt(f.cpu('sketchMany'), 0)} µs for the bare one-statement credit of the sketch ` +
          `(balance reads: the app ${x('reads')} of \`-S\`, the prepared-read sketch ${x('sketchReads')})`
        : '') +
      '.',
    'On 2 cores the client thread and the server share the CPU, so that client time shows in the throughput, and',
    'on a machine loaded by other work the per-round ratios swing widely: compare the app with the sketch of the',
    'same round.',
    '',
    'What would close the rest: a stored function `post_transfer(…)` (the remaining client work is postgres.js',
    "encoding the parameters and parsing the row, the sketch's floor).",
  ].join('\n');
}
