import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { expect, it, vi } from 'vitest';
import { openDatabase, pgErrorCode, preparedRead, READ_LANE_NAME } from '../../src/db/client.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { describeDatabases, describePostgres } from '../support/db.js';
import { fund, makeAccount } from '../support/fixtures.js';

// Short reads (`preparedRead`: balances, a request's context, an account's overview) run on PostgreSQL's read lane,
// one read-only connection of their own on which concurrent reads are pipelined (src/db/client.ts).

describeDatabases('reads in a transaction', (t) => {
  it('see what the transaction wrote before it commits, and nothing of it once it rolls back', async () => {
    const account = await makeAccount(t.db);
    await fund(t.db, account.id, 10_000n);
    const rolledBack = new Error('rolled back on purpose');
    await expect(
      t.db.transaction(async (tx) => {
        await fund(tx, account.id, 2_500n);
        expect(await walletBalance(tx, account.id)).toBe(12_500n);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await walletBalance(t.db, account.id)).toBe(10_000n);
  });
});

describePostgres('the read lane', (t) => {
  /** The connections to this file's database, by application name, other than the asking one. */
  async function connectionsByName(asking: postgres.Sql): Promise<Record<string, number>> {
    const rows = await asking<{ name: string; n: number }[]>`
      select application_name as name, count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() group by application_name`;
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  }

  it('serves concurrent reads outside a transaction on its one connection, opening none of the pool; closes it', async () => {
    const account = await makeAccount(t.db);
    await fund(t.db, account.id, 4_200n);
    const asking = postgres(t.url!, { max: 1, onnotice: () => {} });
    try {
      const before = await connectionsByName(asking);
      const fresh = await openDatabase({ kind: 'postgres', url: t.url! }, { maxConnections: 20 });
      const balances = await Promise.all(
        Array.from({ length: 50 }, () => walletBalance(fresh.db, account.id)),
      );
      expect(balances).toEqual(Array.from({ length: 50 }, () => 4_200n));
      expect(await connectionsByName(asking)).toEqual({
        ...before,
        [READ_LANE_NAME]: (before[READ_LANE_NAME] ?? 0) + 1,
      });
      await fresh.close();
      await vi.waitFor(async () => expect(await connectionsByName(asking)).toEqual(before), {
        timeout: 5_000,
      });
    } finally {
      await asking.end();
    }
  });

  it('sees a posting committed on the pool at once, and one still open in a transaction not at all', async () => {
    const account = await makeAccount(t.db);
    await fund(t.db, account.id, 1_000n);
    expect(await walletBalance(t.db, account.id)).toBe(1_000n);
    await fund(t.db, account.id, 500n);
    expect(await walletBalance(t.db, account.id)).toBe(1_500n);
    const rolledBack = new Error('rolled back on purpose');
    await expect(
      t.db.transaction(async (tx) => {
        await fund(tx, account.id, 9_000n);
        expect(await walletBalance(t.db, account.id)).toBe(1_500n); // the lane: not this transaction
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
  });

  it('refuses a statement that would write or lock a row (25006), and nothing is written', async () => {
    const account = await makeAccount(t.db);
    await fund(t.db, account.id, 700n);
    const writes = preparedRead<[balance: unknown], { accountId: number }>(
      sql`update ledger_accounts set balance = balance + 1
          where account_id = ${sql.placeholder('accountId')}::bigint and kind = 'wallet' returning balance`,
    );
    const locks = preparedRead<[balance: unknown], { accountId: number }>(
      sql`select balance from ledger_accounts
          where account_id = ${sql.placeholder('accountId')}::bigint and kind = 'wallet' for update`,
    );
    for (const statement of [writes, locks]) {
      const refusal = await statement(t.db, { accountId: account.id }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(pgErrorCode(refusal)).toBe('25006');
    }
    expect(await walletBalance(t.db, account.id)).toBe(700n); // and the ledger still verifies (afterEach)
  });

  it('comes back after the server drops its connection: the next reads answer', async () => {
    const account = await makeAccount(t.db);
    await fund(t.db, account.id, 333n);
    expect(await walletBalance(t.db, account.id)).toBe(333n);
    const asking = postgres(t.url!, { max: 1, onnotice: () => {} });
    try {
      const dropped = await asking<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = current_database() and application_name = ${READ_LANE_NAME}`;
      expect(dropped).toHaveLength(1);
      await asking`select pg_terminate_backend(${dropped[0]!.pid})`;
      // A read sent before the client has seen the socket close fails, as it would on any dropped connection.
      await vi.waitFor(async () => expect(await walletBalance(t.db, account.id)).toBe(333n), {
        timeout: 5_000,
      });
      const lane = await asking<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = current_database() and application_name = ${READ_LANE_NAME}`;
      expect(lane).toHaveLength(1);
      expect(lane[0]!.pid).not.toBe(dropped[0]!.pid);
    } finally {
      await asking.end();
    }
  });
});
