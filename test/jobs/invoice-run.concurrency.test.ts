import { asc, eq, like, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { type Db, openDatabase, queryRows } from '../../src/db/client.js';
import { invoiceRuns, invoices, outbox, transfers } from '../../src/db/schema.js';
import { IdempotencyConflictError, postTransfer } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { linkChannel } from '../../src/services/accounts.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { describePostgres } from '../support/db.js';
import { billedAccount } from '../support/fixtures.js';

/** Accounts on standard from November, 7 devices ($14.00 a month), $10.00 in the wallet: each owes $4.00. */
async function twins(db: Db, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const a = await billedAccount(db, `Twin ${i}`, 7, 1_000n);
    await linkChannel(db, `C0TWIN${i}`, a.id, 'U1');
    ids.push(a.id);
  }
  return ids;
}

const NOW = new Date('2026-12-01T09:00:00Z');
const numbersUpTo = (n: number) =>
  Array.from({ length: n }, (_, i) => `INV-2026-${String(i + 1).padStart(5, '0')}`);

// Two runs at once need two connections pools, as two replicas have: PostgreSQL only.
describePostgres('invoice runs started together', (t) => {
  it('invoice each account once per month and write each message once', async () => {
    await twins(t.db, 40);
    const replica = await openDatabase({ kind: 'postgres', url: t.url! }, { maxConnections: 4 });
    try {
      const results = await Promise.all([
        runInvoices(t.db, { now: NOW, timeZone: 'UTC', chunkSize: 5, financeChannel: 'C0FIN', workers: 2 }),
        runInvoices(replica.db, {
          now: NOW,
          timeZone: 'UTC',
          chunkSize: 5,
          financeChannel: 'C0FIN',
          workers: 2,
        }),
      ]);
      // One holds the run; the other finds it busy (or, started after it finished, finds nothing left to do).
      const invoiced = results.map((r) => (r.kind === 'done' ? r.invoiced : 0));
      expect(invoiced.reduce((a, b) => a + b, 0)).toBe(40);
      const rows = await t.db.select().from(invoices);
      expect(rows).toHaveLength(40);
      expect(new Set(rows.map((r) => r.number)).size).toBe(40);
      expect(
        await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'usage:%')),
      ).toHaveLength(40);
      const messages = await t.db.select().from(outbox);
      expect(messages.filter((m) => (m.payload as { type: string }).type === 'invoice')).toHaveLength(40);
      expect(messages.filter((m) => (m.payload as { type: string }).type === 'run_summary')).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });
});

// One run working chunks side by side (as `balance jobs invoices` does on PostgreSQL): PostgreSQL only.
describePostgres('an invoice run with two chunk workers', (t) => {
  // Proves: the workers' chunks never share an account (claims are handed out one at a time), the year's numbers stay
  // gapless when chunks commit out of order, and the money is what one chunk at a time would have written.
  it('invoices every account once, numbers gapless, each wallet drawn once, the ledger verifies', async () => {
    const ids = await twins(t.db, 60);
    const result = await runInvoices(t.db, { now: NOW, timeZone: 'UTC', chunkSize: 4, workers: 2 });
    expect(result).toMatchObject({ kind: 'done', invoiced: 60, stopped: false });

    const rows = await t.db.select().from(invoices).orderBy(asc(invoices.number));
    expect(rows.map((r) => r.number)).toEqual(numbersUpTo(60));
    expect(new Set(rows.map((r) => r.accountId))).toEqual(new Set(ids));
    for (const r of rows) {
      expect(r).toMatchObject({ chargeCents: 1_400n, paidFromBalanceCents: 1_000n, amountDueCents: 400n });
    }
    const balances = await queryRows<{ kind: string; total: string; n: string }>(
      t.db,
      sql`select kind, sum(balance)::text as total, count(*)::text as n from ledger_accounts
          where kind in ('wallet', 'receivable') group by kind order by kind`,
    );
    expect(balances.map((b) => [b.kind, b.total, b.n])).toEqual([
      ['receivable', '-24000', '60'],
      ['wallet', '0', '60'],
    ]);
    expect(await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'usage:%'))).toHaveLength(
      60,
    );
    expect(await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'due:%'))).toHaveLength(
      60,
    );
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  // Proves: a refused chunk rolls back alone, the other worker stops after the chunk in hand, and the run is left
  // unfinished for the next to carry on: no chunk is half written and no number is skipped.
  it('a chunk refused (a usage key taken with another amount) stops both workers; whole chunks only', async () => {
    const ids = await twins(t.db, 40);
    const refused = ids[21]!;
    await postTransfer(t.db, {
      key: `usage:${refused}:2026-11`,
      from: { wallet: refused },
      to: { system: 'usage_revenue' },
      amount: 1n,
      actor: 'system',
      memo: 'posted before the run',
    });
    await expect(runInvoices(t.db, { now: NOW, timeZone: 'UTC', chunkSize: 4, workers: 2 })).rejects.toThrow(
      IdempotencyConflictError,
    );

    const rows = await t.db.select().from(invoices);
    const invoiced = new Set(rows.map((r) => r.accountId));
    // Every chunk of 4 is all invoiced or not at all; the refused account's chunk is not.
    for (let c = 0; c < 10; c++) {
      const chunk = ids.slice(c * 4, c * 4 + 4).map((id) => invoiced.has(id));
      expect(new Set(chunk).size).toBe(1);
    }
    expect(invoiced.has(refused)).toBe(false);
    // After the refusal the other worker finishes what it holds (a chunk, or two if it ran ahead) and claims no more.
    expect(ids.slice(24).filter((id) => invoiced.has(id)).length).toBeLessThanOrEqual(8);
    expect(rows.map((r) => r.number).sort()).toEqual(numbersUpTo(rows.length));
    expect(
      await t.db.select({ status: invoiceRuns.status }).from(invoiceRuns).where(eq(invoiceRuns.id, 1)),
    ).toEqual([{ status: 'running' }]);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });
});
