import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { type Db, queryRows, toBigInt } from '../../src/db/client.js';
import { invoiceSettlements, invoices, outbox, transfers } from '../../src/db/schema.js';
import { receivableBalance, walletBalance } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { getAccount } from '../../src/services/accounts.js';
import { postAdjustment } from '../../src/services/adjustments.js';
import { issueBalanceCodes, redeemCode } from '../../src/services/codes.js';
import { reviewSuspensions } from '../../src/services/collections.js';
import { runInvoices } from '../../src/services/invoicing.js';
import type { OutboxEvent } from '../../src/services/outbox.js';
import {
  AboveOutstandingError,
  InvoiceClosedError,
  payInvoiceOffline,
  writeOffInvoice,
} from '../../src/services/receivables.js';
import { describePostgres } from '../support/db.js';
import { billedAccount, gate, makeAccount, owe, reloadNow } from '../support/fixtures.js';

const TZ = 'UTC';
const SECRET = 'receivables-race-secret-0123456789abcdef012';
const NOW = new Date('2026-12-20T10:00:00Z');
const context = { now: NOW, timeZone: TZ };

// Races need many connections: PostgreSQL only (the test database's pool has 20).
describePostgres('settlement races', (t) => {
  const reload = (db: Db, accountId: number, amountCents: bigint, now = NOW) =>
    reloadNow(db, accountId, amountCents, { now, timeZone: TZ, financeChannel: 'C0FIN' });
  /** Resolves once `n` sessions of this database wait on a row lock. */
  const lockWaiters = async (n: number) => {
    for (let i = 0; i < 500; i++) {
      const [row] = await queryRows<{ n: unknown }>(
        t.db,
        sql`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (Number(row?.n) >= n) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`never saw ${n} sessions waiting on a lock`);
  };
  const settledOf = async (invoiceId: number) => {
    const [row] = await queryRows<{ v: unknown }>(
      t.db,
      sql`select coalesce(sum(t.amount), 0) as v from invoice_settlements s join transfers t on t.id = s.transfer_id
          where s.invoice_id = ${invoiceId}`,
    );
    return toBigInt(row?.v);
  };

  it('50 concurrent credits of every kind settle each invoice once, oldest first, and never below zero', async () => {
    const acme = await makeAccount(t.db, 'Acme');
    const owed = [
      await owe(t.db, acme.id, 5_000n, { month: '2026-09', issueDate: '2026-10-01', dueDate: '2026-10-08' }),
      await owe(t.db, acme.id, 7_000n, { month: '2026-10', issueDate: '2026-11-01', dueDate: '2026-11-08' }),
      await owe(t.db, acme.id, 11_000n, { month: '2026-11', issueDate: '2026-12-01', dueDate: '2026-12-08' }),
    ];
    const codes = await issueBalanceCodes(t.db, {
      amountCents: 1_000n,
      currency: 'USD',
      count: 17,
      requestId: 'trigger.race-codes',
      actor: 'USALES',
      now: NOW,
      secret: SECRET,
    });
    const credits = Array.from({ length: 50 }, (_, i) => {
      if (i % 3 === 0)
        return reload(t.db, acme.id, 1_000n).then((c) => (c.kind === 'credited' ? c.settlement : null));
      if (i % 3 === 1) {
        return redeemCode(t.db, {
          ...context,
          text: codes[(i - 1) / 3]!.code,
          accountId: acme.id,
          actor: 'UADMIN',
          secret: SECRET,
        }).then((r) => (r.ok && r.kind === 'balance' ? r.settlement : null));
      }
      return postAdjustment(t.db, {
        ...context,
        accountId: acme.id,
        direction: 'credit',
        amountCents: 1_000n,
        reason: 'race',
        actor: 'UFIN',
        currency: 'USD',
        requestId: `race-${i}`,
      }).then((r) => r.settlement);
    });
    const settlements = await Promise.all(credits);
    expect(settlements.every((s) => s !== null)).toBe(true);
    // 23 of the 50 credits' $10.00 went to the invoices, the rest stays on the balance.
    expect(await walletBalance(t.db, acme.id)).toBe(50_000n - 23_000n);
    expect(await receivableBalance(t.db, acme.id)).toBe(0n);
    for (const invoice of owed) expect(await settledOf(invoice.id)).toBe(invoice.amountDueCents);
    expect((await t.db.select().from(invoices)).map((i) => [i.outstandingCents, i.status])).toEqual([
      [0n, 'paid'],
      [0n, 'paid'],
      [0n, 'paid'],
    ]);
    // Oldest first: no credit paid a later invoice while an earlier one was still open.
    const paidBy = settlements.flatMap((s) =>
      s!.settled.map((x) => ({ invoiceId: x.invoiceId, left: x.outstandingCents })),
    );
    for (const [i, invoice] of owed.entries()) {
      const lastPayment = paidBy.filter((p) => p.invoiceId === invoice.id && p.left === 0n);
      expect(lastPayment).toHaveLength(1);
      if (i > 0) {
        const firstOfNext = await t.db
          .select({ id: invoiceSettlements.transferId })
          .from(invoiceSettlements)
          .where(eq(invoiceSettlements.invoiceId, invoice.id))
          .orderBy(invoiceSettlements.transferId)
          .limit(1);
        const lastOfPrevious = await t.db
          .select({ id: invoiceSettlements.transferId })
          .from(invoiceSettlements)
          .where(eq(invoiceSettlements.invoiceId, owed[i - 1]!.id));
        expect(Math.max(...lastOfPrevious.map((r) => r.id))).toBeLessThan(firstOfNext[0]!.id);
      }
    }
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('offline payments, a write-off and credits racing on one invoice never settle it twice or below zero', async () => {
    const acme = await makeAccount(t.db, 'Racer');
    const invoice = await owe(t.db, acme.id, 15_000n, {
      month: '2026-11',
      issueDate: '2026-12-01',
      dueDate: '2026-12-08',
    });
    const pay = (requestId: string) =>
      payInvoiceOffline(t.db, {
        ...context,
        number: invoice.number,
        amountCents: 1_000n,
        reference: '',
        actor: 'UFIN',
        requestId,
      });
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => pay(`distinct-${i}`)),
      ...Array.from({ length: 10 }, () => pay('twin')), // one request, delivered ten times
      writeOffInvoice(t.db, {
        ...context,
        number: invoice.number,
        reason: 'race',
        actor: 'UFIN',
        requestId: 'wo',
      }),
      ...Array.from({ length: 5 }, () => reload(t.db, acme.id, 2_000n)),
    ]);
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.every((e) => e instanceof InvoiceClosedError || e instanceof AboveOutstandingError)).toBe(
      true,
    );
    expect(await settledOf(invoice.id)).toBe(15_000n);
    const [row] = await t.db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(row!.outstandingCents).toBe(0n);
    expect(
      await t.db.select().from(transfers).where(eq(transfers.idempotencyKey, 'offline:twin')),
    ).toHaveLength(results.slice(20, 30).some((r) => r.status === 'fulfilled') ? 1 : 0);
    // Whatever the credits did not settle stayed on the balance.
    const credited = 5n * 2_000n;
    const [{ v: fromWallet } = { v: 0 }] = await queryRows<{ v: unknown }>(
      t.db,
      sql`select coalesce(sum(t.amount), 0) as v from invoice_settlements s join transfers t on t.id = s.transfer_id
          where s.credit_transfer_id is not null`,
    );
    expect(await walletBalance(t.db, acme.id)).toBe(credited - toBigInt(fromWallet));
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('a credit waiting on a chunk the invoice run holds settles the invoice that chunk made', async () => {
    const acme = await billedAccount(t.db, 'Chunked', 100, 5_000n); // $200.00 charged, $50.00 paid from the wallet
    await t.db.execute(sql`insert into number_sequences (scope, last) values ('invoice:2026', 0)`);
    // Another session holds the invoice number row, so the chunk stops after locking the wallets.
    const blocker = postgres(t.url!, { max: 1, onnotice: () => {} });
    const { closed: held, open: release } = gate();
    const blocking = blocker.begin(async (tx) => {
      await tx`select 1 from number_sequences where scope = 'invoice:2026' for update`;
      await held;
    });
    try {
      const running = runInvoices(t.db, {
        now: new Date('2026-12-01T09:00:00Z'),
        timeZone: TZ,
        month: '2026-11',
      });
      await lockWaiters(1);
      const crediting = reload(t.db, acme.id, 30_000n, new Date('2026-12-01T09:00:01Z'));
      await lockWaiters(2); // the credit waits on the wallet the chunk locked
      release();
      await blocking;
      await running;
      const confirmation = await crediting;
      const [invoice] = await t.db.select().from(invoices).where(eq(invoices.accountId, acme.id));
      expect(invoice).toMatchObject({
        paidFromBalanceCents: 5_000n,
        amountDueCents: 15_000n,
        outstandingCents: 0n,
        status: 'paid',
      });
      expect(confirmation.kind === 'credited' && confirmation.settlement.settled).toEqual([
        { invoiceId: invoice!.id, number: invoice!.number, amountCents: 15_000n, outstandingCents: 0n },
      ]);
      expect(await walletBalance(t.db, acme.id)).toBe(15_000n);
    } finally {
      release();
      await blocking.catch(() => {});
      await blocker.end();
    }
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('a credit committed while the chunk waits for its wallet is drawn by the run; nothing is left to settle', async () => {
    const acme = await billedAccount(t.db, 'First', 100, 5_000n);
    const { closed: held, open: release } = gate();
    let running: ReturnType<typeof runInvoices> | undefined;
    const crediting = t.db.transaction(async (tx) => {
      const confirmation = await reload(tx, acme.id, 30_000n, new Date('2026-12-01T08:59:59Z'));
      running = runInvoices(t.db, { now: new Date('2026-12-01T09:00:00Z'), timeZone: TZ, month: '2026-11' });
      await lockWaiters(1); // the chunk waits on the wallet this credit holds
      await held;
      return confirmation;
    });
    await lockWaiters(1);
    release();
    const confirmation = await crediting;
    await running;
    expect(confirmation.kind === 'credited' && confirmation.settlement.settled).toEqual([]);
    const [invoice] = await t.db.select().from(invoices).where(eq(invoices.accountId, acme.id));
    expect(invoice).toMatchObject({ paidFromBalanceCents: 20_000n, amountDueCents: 0n, status: 'paid' });
    expect(await walletBalance(t.db, acme.id)).toBe(15_000n);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('the daily suspension review waits for a payment in flight and decides on what it paid', async () => {
    const acme = await makeAccount(t.db, 'Paying Now');
    await owe(t.db, acme.id, 10_000n, { month: '2026-11', issueDate: '2026-12-01', dueDate: '2026-12-08' });
    const { closed: held, open: release } = gate();
    let reviewing: ReturnType<typeof reviewSuspensions> | undefined;
    const paying = t.db.transaction(async (tx) => {
      const confirmation = await reload(tx, acme.id, 10_000n); // settled, not yet committed
      reviewing = reviewSuspensions(t.db, { ...context, financeChannel: 'C0FIN' });
      // The review must wait for this payment's receivable rather than decide on what it saw before it.
      await Promise.race([reviewing, lockWaiters(1)]);
      await held;
      return confirmation;
    });
    await lockWaiters(1).catch(() => {});
    release();
    await paying;
    expect(await reviewing).toEqual([]);
    expect((await getAccount(t.db, acme.id))?.suspendedSince).toBeNull();
    expect((await t.db.select().from(outbox)).map((o) => (o.payload as OutboxEvent).type)).not.toContain(
      'account_suspended',
    );
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });
});
