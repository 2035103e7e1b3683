// `npm run bench -- redeem-storm`: 200 simultaneous redemptions of one balance code through a pool of at most 20
// connections, repeated with a new code each time, then 20 codes × 10 attempts at once. Exactly one attempt may win
// per code (the process exits non-zero otherwise); the attempts' latency is printed beside pgbench TPC-B of the same
// shape (`-c 50 -t 4`, 200 transactions), run alternately in the same process.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, queryRows } from '../src/db/client.js';
import { verifyLedger } from '../src/ledger/verify.js';
import { issueBalanceCodes, type RedeemResult, redeemCode } from '../src/services/codes.js';
import {
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
import {
  checkpoint,
  countRoundTrips,
  createPgbenchDatabase,
  openAppDatabase,
  pgbenchLatencies,
} from './pg.js';

export const description =
  '200 simultaneous redemptions of one code (pool of 20), ×20, and 20 codes at once: winners, p50/p99 vs pgbench';

const USAGE = `npm run bench -- redeem-storm [--attempts 200] [--repeats 20] [--codes 20] [--pool 20]
  --attempts   simultaneous redemption attempts per storm (and pgbench transactions: -c 50 -t attempts/50)
  --repeats    storms on one code each (a new code every time)
  --codes      codes in the final storm, attempts spread evenly over them`;

const GOAL_P99 = 1.5;
const HOUR = 3_600_000;

interface Storm {
  label: string;
  codes: number;
  attempts: number;
  /** Winners per code, by code id. */
  winners: Map<number, number>;
  /** Outcome counts: redeemed, invalid, locked, … */
  outcomes: Map<string, number>;
  latencies: number[];
  /** From the first call to the last answer, and this process's CPU time in that span, in milliseconds. */
  wallMs: number;
  cpuMs: number;
  errors: string[];
}

/**
 * Round trips of one winning and one losing attempt, alone, through a one-connection pool behind a counting relay,
 * then of a second winner on that connection: postgres.js describes a statement with parameters in a round trip of
 * its own the first time it runs on a connection, so the first winner pays once for each of its statements and the
 * second shows what a winner costs once they are prepared. At a `now` long before the storms, so its one failure is
 * outside their lockout windows.
 */
async function roundTrips(url: string, secret: string, accountIds: number[], now: Date) {
  const relay = await countRoundTrips(url);
  const probe = await openDatabase({ kind: 'postgres', url: relay.url }, { maxConnections: 1 });
  try {
    const [code, second] = await issueBalanceCodes(probe.db, {
      amountCents: 100n,
      currency: 'USD',
      count: 2,
      requestId: 'bench:probe',
      actor: 'UBENCH',
      now,
      secret,
    });
    const attempt = async (i: number, text = code!.code) => {
      const before = relay.count();
      await redeemCode(probe.db, {
        text,
        accountId: accountIds[i]!,
        actor: `UPROBE${i}`,
        now,
        secret,
        timeZone: 'UTC',
      });
      return relay.count() - before;
    };
    return {
      winner: await attempt(0),
      loser: await attempt(1),
      preparedWinner: await attempt(2, second!.code),
    };
  } finally {
    await probe.close();
    await relay.close();
  }
}

/** The median and the highest of the runs' stolen CPU shares. */
function stolenRange(shares: number[]): string {
  return `${fmtShare(median(shares))} / ${fmtShare(Math.max(...shares))}`;
}

/** What limits the latency and what in src/ would move it; the numbers are this run's. */
function analysis(f: {
  trips: { winner: number; loser: number; preparedWinner: number };
  storm: number;
  cpu: number;
  appP99: number;
  pgStartP99: number;
  pool: number;
  attempts: number;
}): string {
  return [
    '## What limits it, and what would close it',
    '',
    `Every attempt is answered only when its storm is nearly over (p50 ≈ p99): the ${f.attempts} calls queue on the pool of`,
    `${f.pool} connections first come, first served, so they advance in step and each one waits for the storm's`,
    `whole sequence of round trips. A losing attempt costs ${f.trips.loser} round trips, the winning one ${f.trips.winner}`,
    `(${f.trips.preparedWinner} once its statements are prepared on the connection: each new statement with parameters is`,
    'described in a round trip of its own, and stops the pipeline behind it, the first time on each connection):',
    "BEGIN; the user's and account's advisory locks and, pipelined right behind them on the same connection, one",
    "statement that checks the lockout of both windows, claims the code and records a loser's failure (its snapshot is",
    'taken once the locks are granted); COMMIT. A loser that raced the winner (the code still claimable in its',
    "snapshot) reads it again and records its failure in one more statement. The winner's claim returns what its",
    "credit needs; then, pipelined, the code row with the one-statement posting, and the code's transfer id with the",
    "settlement's two reads. Statements are named and prepared.",
    `A storm took ${fmt(f.storm, 0)} ms (median), of which ${fmt(f.cpu, 0)} ms was this process's CPU.`,
    "pgbench's transaction latency leaves out any wait for a connection; the comparable pgbench figure is its",
    `completion since start, and the app's p99 is ${fmt(f.appP99 / f.pgStartP99)}× that.`,
    '',
    'What is left (src/services/codes.ts): the losers that raced the winner wait on its row lock for the whole of',
    `its transaction (${f.trips.preparedWinner} round trips prepared, ${f.trips.winner} on a connection that has not run a winner's`,
    'statements yet). Preparing them on every connection first would not help much: with 60 one-code storms before',
    'the 20 codes (nearly every connection had run a winner) the 20-codes p99 was no better (240 ms, 2026-12-02).',
    "The storm is CPU-bound on 2 cores: the client's socket writes to PostgreSQL (one per round trip) were a fifth of",
    'its CPU in a profile; fewer round trips (BEGIN sent with the locks) would shorten it.',
  ].join('\n');
}

function outcomeOf(r: RedeemResult): string {
  return r.ok ? 'redeemed' : r.reason;
}

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args, { attempts: 200, repeats: 20, codes: 20, pool: 20 }, USAGE);
  if (o.attempts % 50 !== 0)
    throw new Error('--attempts must be a multiple of 50 (pgbench -c 50 -t attempts/50)');
  if (o.attempts % o.codes !== 0) throw new Error('--attempts must be a multiple of --codes');
  const machine = machineFacts();
  console.log(`redeem-storm: ${describeMachine(machine)}`);
  console.log(
    `${o.repeats} storms of ${o.attempts} attempts on one code, then ${o.codes} codes × ${o.attempts / o.codes}; pool of ${o.pool}`,
  );

  const app = await openAppDatabase('balance_bench_redeem', o.pool);
  const pgb = await createPgbenchDatabase(10);
  const storms: Storm[] = [];
  const pgLatencies: number[] = [];
  const pgSinceStart: number[] = [];
  const pgLast: { latencies: number[]; sinceStart: number[] } = { latencies: [], sinceStart: [] };
  let pgCommand = '';
  try {
    const { db } = app.database;
    const secret = randomBytes(32).toString('hex');
    // One redeeming account and user per attempt: a code that leaked to many people, not one user's double click
    // (that would hit the per-user lockout after 5 failures and measure the lockout instead).
    const s = postgres(app.url, { max: 1, onnotice: () => {} });
    const accountIds = (
      await s<{ id: string }[]>`
        with a as (
          insert into accounts (name, plan_code, created_by)
          select 'storm ' || g, 'standard', 'bench' from generate_series(1, ${o.attempts}) g returning id)
        insert into ledger_accounts (kind, account_id, balance) select 'wallet', id, 0 from a returning account_id as id`
    ).map((r) => Number(r.id));
    await s`analyze`;
    await s.end();

    const base = Date.parse('2026-03-02T09:00:00Z');
    const trips = await roundTrips(app.url, secret, accountIds, new Date(base - 10 * HOUR));
    console.log(
      `round trips per attempt (counted on the wire): winner ${trips.winner} (${trips.preparedWinner} prepared), loser ${trips.loser}`,
    );
    const storm = async (label: string, index: number, codeCount: number): Promise<Storm> => {
      // Two hours of `now` between storms, so each one's failures leave the lockout windows before the next.
      const now = new Date(base + index * 2 * HOUR);
      const issued = await issueBalanceCodes(db, {
        amountCents: 2_500n,
        currency: 'USD',
        count: codeCount,
        requestId: `bench:${label}`,
        actor: 'UBENCH',
        now,
        secret,
        note: label,
      });
      await checkpoint(app.url);
      const result: Storm = {
        label,
        codes: codeCount,
        attempts: o.attempts,
        winners: new Map(issued.map((c) => [c.id, 0])),
        outcomes: new Map(),
        latencies: [],
        wallMs: 0,
        cpuMs: 0,
        errors: [],
      };
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        accountIds.map(async (accountId, i) => {
          const code = issued[i % codeCount]!;
          const t0 = performance.now();
          try {
            const r = await redeemCode(db, {
              text: code.code,
              accountId,
              actor: `U${index}X${i}`,
              now,
              secret,
              timeZone: 'UTC',
            });
            result.latencies.push(performance.now() - t0);
            const outcome = outcomeOf(r);
            result.outcomes.set(outcome, (result.outcomes.get(outcome) ?? 0) + 1);
            if (r.ok) result.winners.set(code.id, (result.winners.get(code.id) ?? 0) + 1);
          } catch (err) {
            result.errors.push(err instanceof Error ? err.message : String(err));
          }
        }),
      );
      result.wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpu0);
      result.cpuMs = (cpu.user + cpu.system) / 1000;
      // What the database holds agrees: each code redeemed once, with one credit.
      const rows = await queryRows<{ id: unknown; status: string; credits: unknown }>(
        db,
        sql`select c.id, c.status,
                   (select count(*) from transfers t where t.idempotency_key = 'redeem:' || c.id) as credits
            from codes c where c.id in (select jsonb_array_elements_text(${JSON.stringify(issued.map((c) => c.id))}::jsonb)::bigint)`,
      );
      for (const r of rows) {
        if (r.status !== 'redeemed' || Number(r.credits) !== 1)
          result.errors.push(`code ${r.id}: status ${r.status}, ${r.credits} credits`);
      }
      return result;
    };
    // The share of the machine's CPU its hypervisor took during each app storm and each pgbench run.
    const stolen = { app: [] as number[], pgbench: [] as number[] };
    const baseline = async () => {
      const meter = stealMeter();
      const l = await pgbenchLatencies(pgb, { clients: 50, transactions: o.attempts / 50, threads: 2 });
      stolen.pgbench.push(meter());
      pgCommand = l.command;
      return l;
    };
    const timedStorm = async (label: string, rep: number, codes: number) => {
      const meter = stealMeter();
      const st = await storm(label, rep, codes);
      stolen.app.push(meter());
      return st;
    };

    // One storm first that is not timed: it opens the pool's connections and warms the code paths, as a running app
    // would have them. Its winners are checked like the others'.
    const warmup = await storm('warm-up', 0, 1);
    if (![...warmup.winners.values()].every((w) => w === 1) || warmup.errors.length > 0) storms.push(warmup);

    // Alternate: pgbench, storm, pgbench, storm, …
    for (let rep = 1; rep <= o.repeats; rep++) {
      const l = await baseline();
      pgLatencies.push(...l.latenciesMs);
      pgSinceStart.push(...l.sinceStartMs);
      const st = await timedStorm(`storm ${rep}`, rep, 1);
      storms.push(st);
      const sum = summarize(st.latencies);
      const lsum = summarize(l.latenciesMs);
      console.log(
        `storm ${rep}: winners ${[...st.winners.values()].join(',')} | attempts p50 ${fmt(sum.p50)} ms p99 ${fmt(sum.p99)} ms` +
          ` | storm ${fmt(st.wallMs, 0)} ms, app CPU ${fmt(st.cpuMs, 0)} ms` +
          ` | pgbench p50 ${fmt(lsum.p50)} ms p99 ${fmt(lsum.p99)} ms${st.errors.length ? ` | ${st.errors.length} errors` : ''}`,
      );
    }
    const last = await baseline();
    pgLast.latencies = last.latenciesMs;
    pgLast.sinceStart = last.sinceStartMs;
    const multi = await timedStorm(`${o.codes} codes at once`, o.repeats + 1, o.codes);
    storms.push(multi);
    const multiSum = summarize(multi.latencies);
    console.log(
      `${o.codes} codes at once: winners ${[...multi.winners.values()].join(',')} | attempts p50 ${fmt(multiSum.p50)} ms p99 ${fmt(multiSum.p99)} ms`,
    );

    const report = await verifyLedger(db);
    if (!report.ok) multi.errors.push(...report.problems.map((p) => `verify: ${p}`));

    const repeated = storms.filter((st) => st.label.startsWith('storm '));
    const exact = (st: Storm) => [...st.winners.values()].every((w) => w === 1) && st.errors.length === 0;
    const outcomes = (list: Storm[]) => {
      const total = new Map<string, number>();
      for (const st of list) for (const [k, v] of st.outcomes) total.set(k, (total.get(k) ?? 0) + v);
      return [...total].map(([k, v]) => `${k} ${v}`).join(', ');
    };
    const appRep = summarize(repeated.flatMap((s) => s.latencies));
    const appMulti = summarize(multi.latencies);
    const pgRep = summarize(pgLatencies);
    const pgRepStart = summarize(pgSinceStart);
    const pgMulti = summarize(pgLast.latencies);
    const pgMultiStart = summarize(pgLast.sinceStart);

    console.log('');
    const wallCpu = (list: Storm[]) =>
      `${fmt(median(list.map((st) => st.wallMs)), 0)} / ${fmt(median(list.map((st) => st.cpuMs)), 0)}`;
    const winnersTable = printTable(
      [
        'storm',
        'codes',
        'attempts',
        'winners per code',
        'outcomes',
        'exactly one each',
        'storm ms / app CPU ms',
      ],
      [
        [
          `${o.repeats} × one code`,
          repeated.length,
          repeated.length * o.attempts,
          [...new Set(repeated.flatMap((s) => [...s.winners.values()]))].join(' / '),
          outcomes(repeated),
          repeated.every(exact) ? 'yes' : 'NO',
          `${wallCpu(repeated)} (median)`,
        ],
        [
          `${o.codes} codes at once`,
          multi.codes,
          multi.attempts,
          [...new Set(multi.winners.values())].join(' / '),
          outcomes([multi]),
          exact(multi) ? 'yes' : 'NO',
          wallCpu([multi]),
        ],
      ],
    );
    console.log('');
    const ratio = (a: number, b: number) => `${fmt(a / b)}×`;
    const latencyTable = printTable(
      ['', 'n', 'p50 ms', 'p99 ms', 'p99 / pgbench p99', 'goal', 'result'],
      [
        [
          `redeemCode, ${o.repeats} × one code`,
          appRep.n,
          fmt(appRep.p50),
          fmt(appRep.p99),
          ratio(appRep.p99, pgRep.p99),
          `≤ ${GOAL_P99}×`,
          appRep.p99 <= GOAL_P99 * pgRep.p99 ? 'PASS' : 'MISS',
        ],
        [
          `pgbench TPC-B \`${pgCommand}\`, ×${o.repeats}`,
          pgRep.n,
          fmt(pgRep.p50),
          fmt(pgRep.p99),
          '',
          '',
          '',
        ],
        [
          `redeemCode, ${o.codes} codes at once`,
          appMulti.n,
          fmt(appMulti.p50),
          fmt(appMulti.p99),
          ratio(appMulti.p99, pgMulti.p99),
          `≤ ${GOAL_P99}×`,
          appMulti.p99 <= GOAL_P99 * pgMulti.p99 ? 'PASS' : 'MISS',
        ],
        [`pgbench TPC-B, the run before it`, pgMulti.n, fmt(pgMulti.p50), fmt(pgMulti.p99), '', '', ''],
        [
          `pgbench, completion since its start, ×${o.repeats}`,
          pgRepStart.n,
          fmt(pgRepStart.p50),
          fmt(pgRepStart.p99),
          '',
          '',
          'context',
        ],
        [
          `pgbench, completion since its start, before ${o.codes} codes`,
          pgMultiStart.n,
          fmt(pgMultiStart.p50),
          fmt(pgMultiStart.p99),
          '',
          '',
          'context',
        ],
      ],
    );
    const errors = storms.flatMap((s) => s.errors.map((e) => `${s.label}: ${e}`));
    const allExact = storms.every(exact);

    console.log(
      `\nCPU stolen, median / highest: app storms ${stolenRange(stolen.app)}, pgbench ${stolenRange(stolen.pgbench)}`,
    );
    await writeSection(
      'redeem-storm',
      [
        `The app's \`redeemCode\` through a postgres.js pool of`,
        `${o.pool} connections: ${o.repeats} storms of ${o.attempts} simultaneous attempts on a new balance code each, then one`,
        `storm of ${o.codes} codes × ${o.attempts / o.codes} attempts at once. Each attempt comes from its own user and account`,
        "(a leaked code, not a double click, which the per-user lockout would answer). An attempt's latency runs from the",
        "call to its answer, so it includes waiting for one of the pool's connections. Before every storm, pgbench TPC-B",
        `of the same shape (\`${pgCommand}\`, ${o.attempts} transactions on a \`pgbench -i -s 10\` database) logs`,
        'every transaction\'s latency (`-l`); `CHECKPOINT` before every storm and every pgbench run. "Completion since',
        'its start" is when each pgbench transaction ended, counted from the run\'s first start: what a caller that sent',
        `all ${o.attempts} at once would wait (the comparable figure to an attempt's latency), shown for context.`,
        '',
        winnersTable,
        '',
        latencyTable,
        '',
        `CPU stolen by the hypervisor (/proc/stat), median and highest: during the app's storms ${stolenRange(stolen.app)},`,
        `during pgbench's runs ${stolenRange(stolen.pgbench)}.`,
        '',
        allExact
          ? `Exactly one winner per code in every storm; the database agrees (each code redeemed, one credit each) and the ledger verifies.`
          : `FAILED: ${errors.slice(0, 10).join('; ')}`,
        '',
        analysis({
          trips,
          storm: median(repeated.map((st) => st.wallMs)),
          cpu: median(repeated.map((st) => st.cpuMs)),
          appP99: appRep.p99,
          pgStartP99: pgRepStart.p99,
          pool: o.pool,
          attempts: o.attempts,
        }),
      ].join('\n'),
    );
    if (!allExact) throw new Error(`not exactly one winner per code:\n${errors.slice(0, 20).join('\n')}`);
    const pass = appRep.p99 <= GOAL_P99 * pgRep.p99 && appMulti.p99 <= GOAL_P99 * pgMulti.p99;
    console.log(
      `\nwinners: exactly one per code in every storm. ${pass ? 'PASS' : 'MISS'}: p99 goal ≤ ${GOAL_P99}× pgbench p99`,
    );
  } finally {
    await pgb.drop();
    await app.close();
  }
}
