import { eq, like } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { invoices, payments, refunds, sandboxRefunds, transfers } from '../../src/db/schema.js';
import { monthOf, monthStart } from '../../src/domain/billing-month.js';
import { receivableBalance, walletBalance } from '../../src/ledger/ledger.js';
import { STUCK_REFUND_MS, verifyLedger } from '../../src/ledger/verify.js';
import { createLogger } from '../../src/logger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';
import { recordReading } from '../../src/services/devices.js';
import { runInvoices } from '../../src/services/invoicing.js';
import {
  applyRefundOutcome,
  CheckoutClosedError,
  type Payment,
  RefundPendingError,
  refundPayment,
  startPayment,
} from '../../src/services/payments/payments.js';
import type { PaymentProvider } from '../../src/services/payments/provider.js';
import { recoverMoneyMoves } from '../../src/services/payments/recovery.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { stripeProvider } from '../../src/services/payments/stripe.js';
import { fakeStripeProvider } from '../faults/support/app.js';
import { type FakeStripe, startFakeStripe } from '../faults/support/fake-stripe.js';
import { describeDatabases } from '../support/db.js';
import { makeAccount, paidReload } from '../support/fixtures.js';
import { previousMonth } from '../support/months.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const logger = createLogger({ level: 'error', sink: () => {} });

/** Recovery at `t0 + ms`. */
const after = (t0: Date, ms: number) => new Date(t0.getTime() + ms);

/**
 * The provider as a process sees it when the answer to its refund call never comes back (a timeout; the process
 * killed mid-call): the call may or may not have reached the provider.
 */
function answerLost(provider: PaymentProvider, reached: boolean): PaymentProvider {
  return {
    ...provider,
    refund: async (request) => {
      if (reached) await provider.refund(request);
      throw new Error('socket hang up');
    },
  };
}

const refundKeys = async (db: Db) =>
  (await db.select().from(transfers).where(like(transfers.idempotencyKey, 'refund%'))).map(
    (r) => r.idempotencyKey,
  );

describeDatabases('refunds a crash left pending, resolved with the sandbox', (t) => {
  let sandbox: PaymentProvider;
  let acme: Account;
  let t0: Date;
  beforeEach(async () => {
    sandbox = sandboxProvider(() => 'http://localhost:3000', t.db);
    acme = await makeAccount(t.db, 'Acme');
    t0 = new Date(); // verify, after every test, reads the refunds' age against the real clock
  });
  const refund = (provider: PaymentProvider, payment: Payment, amountCents = 25_000n, requestKey = 'T1') =>
    refundPayment(t.db, provider, {
      paymentId: payment.id,
      amountCents,
      requestKey,
      actor: 'UFIN1',
      now: t0,
      timeZone: 'UTC',
    });
  const recover = (ms: number) =>
    recoverMoneyMoves(t.db, sandbox, { now: after(t0, ms), timeZone: 'UTC', logger });
  const refundRow = async () => (await t.db.select().from(refunds))[0]!;

  // Proves: an unanswered refund call leaves the refund pending with the wallet debited (not reversed: the provider
  // may have refunded); verify calls it a problem once it is older than 10 minutes; recovery, past its 2-minute grace,
  // finds the sandbox's record and settles it, once.
  it('the sandbox refunded but the answer was lost: pending, flagged by verify, then settled by recovery', async () => {
    const payment = await paidReload(t.db, sandbox, acme, 100_000n, t0);
    await expect(refund(answerLost(sandbox, true), payment)).rejects.toBeInstanceOf(RefundPendingError);
    expect(await refundRow()).toMatchObject({ status: 'pending', amountCents: 25_000n });
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);

    expect((await verifyLedger(t.db, { now: after(t0, STUCK_REFUND_MS - MINUTE) })).ok).toBe(true);
    const late = await verifyLedger(t.db, { now: after(t0, STUCK_REFUND_MS + MINUTE) });
    expect(late.ok).toBe(false);
    expect(late.problems).toEqual([
      expect.stringMatching(new RegExp(`^refund \\d+ of payment ${payment.id} \\(25000\\) pending since`)),
    ]);

    expect(await recover(MINUTE)).toEqual({ resolved: [], unresolved: 0, expiredPayments: 0 }); // still in grace
    const { resolved } = await recover(3 * MINUTE);
    expect(resolved.map((r) => r.status)).toEqual(['succeeded']);
    expect(await refundRow()).toMatchObject({
      status: 'succeeded',
      providerRef: expect.stringMatching(/^sandbox_refund_/),
    });
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
    expect(await refundKeys(t.db)).toEqual(['refund:T1']);
    expect((await recover(10 * MINUTE)).resolved).toEqual([]);
    expect((await verifyLedger(t.db, { now: after(t0, HOUR) })).ok).toBe(true);
  });

  // Proves: while the refund's key is kept, recovery asks again with that key: a request that never arrived is made
  // now (the refund finance asked for is finished), and the provider's record holds exactly one refund.
  it('the request never reached the sandbox: recovery makes the refund with the same key', async () => {
    const payment = await paidReload(t.db, sandbox, acme, 100_000n, t0);
    await expect(refund(answerLost(sandbox, false), payment)).rejects.toBeInstanceOf(RefundPendingError);
    expect(await t.db.select().from(sandboxRefunds)).toEqual([]);
    expect((await recover(3 * MINUTE)).resolved.map((r) => r.status)).toEqual(['succeeded']);
    expect((await t.db.select().from(sandboxRefunds)).map((r) => [r.paymentId, r.amountCents])).toEqual([
      [payment.id, 25_000n],
    ]);
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
  });

  // Proves: past the key's lifetime a refund the provider has no record of never happened: its debit is reversed
  // under its own key, once, even when two recoveries (two replicas) resolve it at the same moment.
  it('past the key lifetime with no record: reversed once, even by two recoveries at once', async () => {
    const payment = await paidReload(t.db, sandbox, acme, 100_000n, t0);
    await expect(refund(answerLost(sandbox, false), payment)).rejects.toBeInstanceOf(RefundPendingError);
    const both = await Promise.all([recover(25 * HOUR), recover(25 * HOUR)]);
    expect(both.flatMap((r) => r.resolved.map((x) => x.status))).toContain('failed');
    expect(await refundRow()).toMatchObject({ status: 'failed' });
    expect(await walletBalance(t.db, acme.id)).toBe(100_000n);
    expect((await refundKeys(t.db)).sort()).toEqual(['refund-failed:1', 'refund:T1']);
    expect(await t.db.select().from(sandboxRefunds)).toEqual([]);
    // The whole payment can be refunded again.
    expect((await refund(sandbox, payment, 100_000n, 'T2')).refund.status).toBe('succeeded');
  });

  // Proves: the money a refused refund puts back settles what was invoiced while the refund was pending, oldest
  // first, like any credit (SPEC §14): the invoice is paid and the wallet holds only what is left.
  it('a refused refund puts the amount back and pays the invoice made while it was pending', async () => {
    const lastMonth = previousMonth(monthOf(t0, 'UTC'));
    const billed = await createAccount(t.db, {
      name: 'Billed',
      planCode: 'standard',
      actor: 'U0OWNER',
      at: monthStart(lastMonth, 'UTC'),
    });
    await recordReading(t.db, {
      accountId: billed.id,
      count: 450,
      at: monthStart(lastMonth, 'UTC'),
      by: 'U1',
    });
    const payment = await paidReload(t.db, sandbox, billed, 100_000n, t0);
    await expect(refund(answerLost(sandbox, false), payment)).rejects.toBeInstanceOf(RefundPendingError);
    await runInvoices(t.db, { now: t0, timeZone: 'UTC', month: lastMonth }); // 450 × $2.00 = $900.00
    const invoice = async () =>
      (await t.db.select().from(invoices).where(eq(invoices.accountId, billed.id)))[0]!;
    expect(await invoice()).toMatchObject({ paidFromBalanceCents: 75_000n, outstandingCents: 15_000n });

    expect((await recover(25 * HOUR)).resolved.map((r) => r.status)).toEqual(['failed']);
    expect(await invoice()).toMatchObject({ outstandingCents: 0n, status: 'paid' });
    expect(await walletBalance(t.db, billed.id)).toBe(10_000n);
    expect(await receivableBalance(t.db, billed.id)).toBe(0n);
    expect((await verifyLedger(t.db, { now: after(t0, 26 * HOUR) })).ok).toBe(true);
  });

  // Proves: an answer is applied only to a pending refund: a late, contrary answer changes nothing.
  it('the first answer wins: a refund already settled is not reversed by a later answer', async () => {
    const payment = await paidReload(t.db, sandbox, acme, 100_000n, t0);
    const { refund: done } = await refund(sandbox, payment);
    const late = await applyRefundOutcome(
      t.db,
      done.id,
      { kind: 'refused', reason: 'late' },
      { now: t0, timeZone: 'UTC' },
    );
    expect(late.status).toBe('succeeded');
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
    expect(await refundKeys(t.db)).toEqual(['refund:T1']);
  });

  // Proves: the same request asked again (Slack's retry) finishes the pending refund with the same key, once.
  it('the same request again after a lost answer finishes the refund once', async () => {
    const payment = await paidReload(t.db, sandbox, acme, 100_000n, t0);
    await expect(refund(answerLost(sandbox, true), payment)).rejects.toBeInstanceOf(RefundPendingError);
    expect((await refund(sandbox, payment)).refund.status).toBe('succeeded');
    expect(await t.db.select().from(sandboxRefunds)).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
  });

  // Proves: a payment whose checkout was never recorded (the process died during the provider call) is closed an
  // hour on, and cannot then be given a checkout; one whose link lapsed is closed an hour after it lapsed.
  it('closes payments whose checkout was never recorded, or lapsed', async () => {
    const crashing: PaymentProvider = {
      ...sandbox,
      createCheckout: async () => {
        throw new Error('killed');
      },
    };
    const input = {
      accountId: acme.id,
      accountName: acme.name,
      amountCents: 5_000n,
      currency: 'USD',
      description: null,
      requestedBy: 'UADMIN1',
      now: t0,
    };
    await expect(startPayment(t.db, crashing, { ...input, viewId: 'V1' })).rejects.toThrow('killed');
    const linked = await startPayment(t.db, sandbox, { ...input, viewId: 'V2' });
    const statuses = async () =>
      (await t.db.select().from(payments).orderBy(payments.createdAt, payments.viewId)).map((p) => [
        p.viewId,
        p.status,
      ]);
    expect((await recover(59 * MINUTE)).expiredPayments).toBe(0);
    expect((await recover(61 * MINUTE)).expiredPayments).toBe(1);
    expect(await statuses()).toEqual([
      ['V1', 'expired'],
      ['V2', 'pending'],
    ]);
    await expect(startPayment(t.db, sandbox, { ...input, viewId: 'V1' })).rejects.toBeInstanceOf(
      CheckoutClosedError,
    );
    const lapsed = linked.expiresAt.getTime() - t0.getTime();
    expect((await recover(lapsed + 59 * MINUTE)).expiredPayments).toBe(0);
    expect((await recover(lapsed + 61 * MINUTE)).expiredPayments).toBe(1);
    expect(await statuses()).toEqual([
      ['V1', 'expired'],
      ['V2', 'expired'],
    ]);
  });
});

describeDatabases('refunds a crash left pending, resolved with Stripe (a local fake of its API)', (t) => {
  let fake: FakeStripe;
  let stripe: PaymentProvider;
  let acme: Account;
  let t0: Date;
  const INTENT = 'pi_recovery1';
  beforeAll(async () => {
    fake = await startFakeStripe();
    const { port } = new URL(fake.url);
    // No retries and a short timeout: a held request times out at once, as a killed process never hears back.
    const client = new Stripe('sk_test_recovery', {
      host: '127.0.0.1',
      port,
      protocol: 'http',
      maxNetworkRetries: 0,
      timeout: 300,
    });
    stripe = stripeProvider(client, () => 'http://localhost:3000');
  });
  afterAll(() => fake.close());
  beforeEach(async () => {
    fake.failRefunds(false);
    acme = await makeAccount(t.db, 'Acme');
    t0 = new Date();
  });
  /** A paid Stripe reload of $1,000.00 on its own payment intent. */
  const paid = async () => {
    const intent = `${INTENT}_${Math.random().toString(36).slice(2)}`;
    fake.addPaymentIntent(intent, 100_000);
    return paidReload(t.db, fakeStripeProvider(), acme, 100_000n, t0, intent);
  };
  const refund = (payment: Payment) =>
    refundPayment(t.db, stripe, {
      paymentId: payment.id,
      amountCents: 25_000n,
      requestKey: `T${Math.random()}`,
      actor: 'UFIN1',
      now: t0,
      timeZone: 'UTC',
    });
  const recover = (ms: number) =>
    recoverMoneyMoves(t.db, stripe, { now: after(t0, ms), timeZone: 'UTC', logger });
  /** The refund request is held by Stripe and the client gives up: pending, wallet debited. */
  const unanswered = async (payment: Payment) => {
    const held = fake.holdNextRefund();
    const asked = refund(payment).catch((err: unknown) => err);
    await held;
    expect(await asked).toBeInstanceOf(RefundPendingError);
    const [row] = await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
    expect(row).toMatchObject({ status: 'pending' });
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
    return row!;
  };
  const ours = (payment: Payment) => fake.refunds().filter((r) => r.metadata.payment_id === payment.id);
  const posts = (key: string) => fake.calls.filter((c) => c.method === 'POST' && c.idempotencyKey === key);

  // Proves: the Stripe refund carries its key (header and metadata), and recovery finds a refund Stripe made among
  // the intent's refunds by that key — here on the second page, and a day later, when the key has lapsed and asking
  // again could refund twice — and settles it without asking Stripe again.
  it('Stripe made it but the answer was lost: found a day later by its key among the intent refunds, settled', async () => {
    const payment = await paid();
    const row = await unanswered(payment);
    fake.finishHeld('carried-out');
    for (let i = 0; i < 120; i++) fake.refundInDashboard(payment.providerPaymentRef!, 1); // newer: page 1
    const { resolved } = await recover(25 * HOUR);
    expect(resolved.map((r) => [r.status, r.providerRef])).toEqual([['succeeded', ours(payment)[0]!.id]]);
    expect(ours(payment)).toEqual([
      expect.objectContaining({
        amount: 25_000,
        metadata: { balance_refund_key: `refund:${payment.id}:${row.id}`, payment_id: payment.id },
      }),
    ]);
    expect(posts(`refund:${payment.id}:${row.id}`)).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
  });

  // Proves: a request Stripe never received is made by recovery's replay under the same key — one refund at Stripe.
  it('Stripe never got it: recovery asks again with the same key and Stripe makes it once', async () => {
    const payment = await paid();
    const row = await unanswered(payment);
    fake.finishHeld('lost');
    expect(ours(payment)).toEqual([]);
    expect((await recover(3 * MINUTE)).resolved.map((r) => r.status)).toEqual(['succeeded']);
    expect((await recover(4 * MINUTE)).resolved).toEqual([]);
    expect(ours(payment)).toHaveLength(1);
    expect(posts(`refund:${payment.id}:${row.id}`).map((c) => c.status)).toEqual([0, 200]);
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
  });

  // Proves: Stripe's refusal on the replay (the charge was refunded in full in its dashboard meanwhile) reverses the
  // debit: the balance is whole and the refund failed.
  it('Stripe refuses on the replay: the debit is reversed', async () => {
    const payment = await paid();
    const row = await unanswered(payment);
    fake.finishHeld('lost');
    fake.refundInDashboard(payment.providerPaymentRef!, 100_000);
    expect((await recover(3 * MINUTE)).resolved.map((r) => r.status)).toEqual(['failed']);
    expect(await walletBalance(t.db, acme.id)).toBe(100_000n);
    expect(await refundKeys(t.db)).toContain(`refund-failed:${row.id}`);
  });

  // Proves: a 500 is no answer (Stripe may have made the refund): the refund stays pending — nothing reversed — and
  // Stripe's saved 500 keeps it unresolved while the key is kept; past the key's lifetime, with no refund of that key
  // at Stripe, it is reversed.
  it('a 500 from Stripe leaves it pending until the key lapses; then, with nothing at Stripe, reversed', async () => {
    const payment = await paid();
    fake.failRefunds(true);
    await expect(refund(payment)).rejects.toBeInstanceOf(RefundPendingError);
    fake.failRefunds(false);
    expect(await recover(3 * MINUTE)).toMatchObject({ resolved: [], unresolved: 1 });
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
    expect((await recover(25 * HOUR)).resolved.map((r) => r.status)).toEqual(['failed']);
    expect(await walletBalance(t.db, acme.id)).toBe(100_000n);
    expect(ours(payment)).toEqual([]);
  });
});
