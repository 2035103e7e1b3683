import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { transfers } from '../../src/db/schema.js';
import { InsufficientFundsError, walletBalance } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { describePostgres } from '../support/db.js';
import { fund, makeAccount, spend } from '../support/fixtures.js';

// These prove what only a server with many connections can show (PGlite has one connection): the pool has 20.
describePostgres('ledger under concurrency', (t) => {
  const debit = (accountId: number, amount: bigint, key: string) => spend(t.db, accountId, amount, key);

  it('50 concurrent mixed credits and debits on one wallet lose no update', async () => {
    const acme = await makeAccount(t.db);
    await fund(t.db, acme.id, 10_000n);
    const postings = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0 ? fund(t.db, acme.id, 70n, `credit:${i}`) : debit(acme.id, 100n, `debit:${i}`),
    );
    await Promise.all(postings);
    expect(await walletBalance(t.db, acme.id)).toBe(10_000n + 25n * 70n - 25n * 100n);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('50 concurrent debits never overdraw: exactly the ones the balance covers succeed', async () => {
    const acme = await makeAccount(t.db);
    await fund(t.db, acme.id, 1_000n);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => debit(acme.id, 100n, `d:${i}`)),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.length - refused.length).toBe(10);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof InsufficientFundsError)).toBe(
      true,
    );
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('50 concurrent postings of one idempotency key create one transfer', async () => {
    const acme = await makeAccount(t.db);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => fund(t.db, acme.id, 2_500n, 'reload:pay_same')),
    );
    expect(new Set(results.map((r) => r.transfer.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(
      await t.db.select().from(transfers).where(eq(transfers.idempotencyKey, 'reload:pay_same')),
    ).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(2_500n);
  });
});
