import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { describePostgres } from '../support/db.js';
import { CODE_SECRET } from '../support/slack.js';
import { poll, runBalance, spawnBalance } from './support/process.js';
import { seedAccounts } from './support/seed.js';

/** Three chunks of the default 1,000 accounts (the command line has no chunk-size setting). */
const ACCOUNTS = 3_000;
const CHUNK = 1_000;
const NOW = '2026-12-01T09:00:00Z';

// A real `balance jobs invoices` process on PostgreSQL: PGlite is embedded in one process and cannot be shared.
describePostgres('the invoice run killed part-way', (t) => {
  // Proves: a run that dies with SIGKILL mid-chunk loses nothing and doubles nothing — its lease keeps a second run
  // out until it expires, the next run carries it on (same run, gapless numbers), and the ledger verifies. On
  // PostgreSQL the run works two chunks at once: the third commits beside the stuck second one, before the kill.
  it('SIGKILL inside the second chunk; the restart finishes: every account invoiced once, numbers gapless, verify ok', async () => {
    await seedAccounts(t.db, { count: ACCOUNTS, prefix: 'Crash', channelPrefix: 'C0CRASH' });
    const env = { DATABASE_URL: t.url!, CODE_SECRET };
    const count = async (query: string) =>
      Number((await queryRows<{ n: unknown }>(t.db, sql.raw(query)))[0]?.n ?? 0);

    // Another connection holds the wallet of an account of the second chunk, so the child commits chunks 1 and 3 and
    // waits inside chunk 2's transaction (rows locked, nothing committed): the kill lands there, every time.
    const [blocker] = await queryRows<{ id: unknown }>(
      t.db,
      sql`select id from accounts order by id offset ${CHUNK + CHUNK / 2} limit 1`,
    );
    const holder = postgres(t.url!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = holder.begin(async (tx) => {
      await tx`select 1 from ledger_accounts where account_id = ${Number(blocker!.id)} for update`;
      locked();
      await released;
    });
    try {
      await isLocked;
      const run = spawnBalance(['jobs', 'invoices', '--now', NOW], env);
      try {
        // Chunks 1 and 3 committed and the child waits on the held row, inside chunk 2.
        await poll(
          () => count('select count(*) as n from invoices'),
          (n) => n >= 2 * CHUNK,
          'chunks 1 and 3',
        );
        await poll(
          () =>
            count(`select count(*) as n from pg_stat_activity
                   where datname = current_database() and wait_event_type = 'Lock'`),
          (n) => n > 0,
          'the child to wait inside chunk 2',
        );
      } catch (err) {
        run.child.kill('SIGKILL');
        throw new Error(`${(err as Error).message}\n${run.output()}`);
      }
      run.child.kill('SIGKILL');
      expect(await run.exited).toMatchObject({ code: null, signal: 'SIGKILL' });
      expect(await count('select count(*) as n from invoices')).toBe(2 * CHUNK);
      // Nothing of chunk 2 was written: its wallets' lock and its invoices went with the connection.
      expect(
        await count(`select count(*) as n from invoices i join accounts a on a.id = i.account_id
                     where a.id > (select id from accounts order by id offset ${CHUNK - 1} limit 1)
                       and a.id <= (select id from accounts order by id offset ${2 * CHUNK - 1} limit 1)`),
      ).toBe(0);
    } finally {
      release();
      await holding.catch(() => {});
      await holder.end();
    }

    // The dead holder's lease still stands: a second process right away does nothing.
    const early = await runBalance(['jobs', 'invoices', '--now', NOW], env);
    expect(early.stdout).toContain('another process is running the invoice run; nothing done');
    expect(early.code).toBe(1);
    expect(await count('select count(*) as n from invoices')).toBe(2 * CHUNK);

    // The lease runs 5 minutes on the database's clock. This update stands for those 5 minutes passing (waiting them
    // out would make the test slow); it is what `takeLease` checks: `job_leases.expires_at < now()`.
    await t.db.execute(sql`update job_leases set expires_at = now() - interval '1 second'`);
    const restart = await runBalance(['jobs', 'invoices', '--now', NOW], env);
    expect(restart.stdout).toMatch(/run 1: 1000 invoices; months closed: 2026-11/);
    expect(restart.code).toBe(0);

    // Every account invoiced exactly once, in one run, now finished.
    expect(await count('select count(*) as n from invoices')).toBe(ACCOUNTS);
    expect(await count('select count(distinct account_id) as n from invoices')).toBe(ACCOUNTS);
    expect(
      await count(
        `select count(*) as n from accounts a where not exists (select 1 from invoices i where i.account_id = a.id)`,
      ),
    ).toBe(0);
    const runs = await queryRows<{ id: unknown; status: string }>(
      t.db,
      sql`select id, status from invoice_runs`,
    );
    expect(runs.map((r) => [Number(r.id), r.status])).toEqual([[1, 'finished']]);
    expect(await count(`select count(*) as n from invoices where run_id <> 1`)).toBe(0);
    expect(
      await queryRows<{ month: string }>(t.db, sql`select month from closed_months order by month`),
    ).toEqual([{ month: '2026-11' }]);

    // Numbers gapless: INV-2026-00001 … INV-2026-03000, and the sequence stands at 3,000 (the killed chunk's
    // numbers were rolled back with it: chunk 3 took 01001–02000, chunk 2 took the rest on the restart).
    const numbers = await queryRows<{ number: string }>(
      t.db,
      sql`select number from invoices order by number`,
    );
    expect(numbers.map((r) => r.number)).toEqual(
      Array.from({ length: ACCOUNTS }, (_, i) => `INV-2026-${String(i + 1).padStart(5, '0')}`),
    );
    expect(await count(`select last as n from number_sequences where scope = 'invoice:2026'`)).toBe(ACCOUNTS);

    // One usage transfer per invoice paid from the wallet, of that amount, and none for the others.
    expect(await count(`select count(*) as n from transfers where idempotency_key like 'usage:%'`)).toBe(
      await count('select count(*) as n from invoices where paid_from_balance_cents > 0'),
    );
    expect(
      await count(`select count(*) as n from invoices i
                   left join transfers t on t.id = i.transfer_id
                   where (i.paid_from_balance_cents > 0) <> (t.id is not null)
                      or (t.id is not null and (t.amount <> i.paid_from_balance_cents
                          or t.idempotency_key <> 'usage:' || i.account_id || ':2026-11'))`),
    ).toBe(0);
    // One message per invoice (each has a charge and a billing channel), written once.
    expect(
      await count(`select count(distinct dedupe_key) as n from outbox where payload->>'type' = 'invoice'`),
    ).toBe(ACCOUNTS);

    const verify = await runBalance(['verify'], env);
    expect(verify.stdout).toContain('ledger ok');
    expect(verify.code).toBe(0);
  }, 90_000);
});
