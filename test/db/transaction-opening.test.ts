import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { type Db, IN_OPENED_TRANSACTION, queryRows, transactionOpening } from '../../src/db/client.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { describeDatabases, describePostgres } from '../support/db.js';
import { fund, makeAccount } from '../support/fixtures.js';

// `transactionOpening` (src/db/client.ts): a transaction whose first statements go out with its BEGIN.

async function inOpened(db: Db): Promise<boolean> {
  const [row] = await queryRows<{ opened: boolean }>(db, sql`select ${IN_OPENED_TRANSACTION} as opened`);
  return row!.opened;
}

describeDatabases('a transaction opened with its first statements', (t) => {
  it('marks its statements as in the transaction, first and last, and nothing outside it', async () => {
    expect(await inOpened(t.db)).toBe(false);
    const seen = await transactionOpening(t.db, inOpened, async (tx, first) => [first, await inOpened(tx)]);
    expect(seen).toEqual([true, true]);
    expect(await inOpened(t.db)).toBe(false);
  });

  it('commits what its first statements and its body wrote, together', async () => {
    const account = await makeAccount(t.db);
    const balance = await transactionOpening(
      t.db,
      (tx) => fund(tx, account.id, 1_000n),
      async (tx) => {
        await fund(tx, account.id, 234n);
        return walletBalance(tx, account.id);
      },
    );
    expect(balance).toBe(1_234n);
    expect(await walletBalance(t.db, account.id)).toBe(1_234n);
  });

  it('rolls back what its first statements and its body wrote when the body fails', async () => {
    const account = await makeAccount(t.db);
    const failed = new Error('the body failed');
    await expect(
      transactionOpening(
        t.db,
        (tx) => fund(tx, account.id, 1_000n),
        async (tx) => {
          await fund(tx, account.id, 234n);
          throw failed;
        },
      ),
    ).rejects.toBe(failed);
    expect(await walletBalance(t.db, account.id)).toBe(0n);
  });
});

describePostgres('a transaction opened with its first statements, on PostgreSQL', (t) => {
  it('is not taken as committed when a statement failed and the body carried on', async () => {
    const account = await makeAccount(t.db);
    await expect(
      transactionOpening(
        t.db,
        (tx) => fund(tx, account.id, 1_000n),
        async (tx) => {
          await tx.execute(sql`select 1 / 0`).catch(() => {}); // the transaction is aborted now
          return 'done';
        },
      ),
    ).rejects.toThrow(/rolled back/);
    expect(await walletBalance(t.db, account.id)).toBe(0n);
  });

  it('runs a transaction inside its body as a savepoint: a failure there undoes only its own writes', async () => {
    const account = await makeAccount(t.db);
    const failed = new Error('the inner transaction failed');
    const balance = await transactionOpening(
      t.db,
      (tx) => fund(tx, account.id, 1_000n),
      async (tx) => {
        await expect(
          tx.transaction(async (inner) => {
            await fund(inner, account.id, 5n);
            throw failed;
          }),
        ).rejects.toBe(failed);
        await tx.transaction((inner) => fund(inner, account.id, 7n));
        return walletBalance(tx, account.id);
      },
    );
    expect(balance).toBe(1_007n);
    expect(await walletBalance(t.db, account.id)).toBe(1_007n);
  });

  it('gives its connection back: more transactions one after another than the pool has connections', async () => {
    const account = await makeAccount(t.db);
    for (let i = 0; i < 30; i++) {
      await transactionOpening(
        t.db,
        (tx) => fund(tx, account.id, 1n),
        () => undefined,
      );
    }
    await Promise.all(
      Array.from({ length: 30 }, () =>
        transactionOpening(
          t.db,
          (tx) => fund(tx, account.id, 1n),
          () => undefined,
        ),
      ),
    );
    expect(await walletBalance(t.db, account.id)).toBe(60n);
  });
});
