import { eq, like } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { payments, transfers } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { type Account, createAccount, linkChannel } from '../../src/services/accounts.js';
import type { Payment } from '../../src/services/payments/payments.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { describeDatabases, describePostgres, type TestDatabase, tableCounts } from '../support/db.js';
import { pendingPayment } from '../support/fixtures.js';
import { testConfig } from '../support/slack.js';
import { STRIPE_KEY, startRoutes, stripePayments, WEBHOOK_SECRET } from './support/app.js';

const stripe = new Stripe(STRIPE_KEY);
const config = testConfig({
  PAYMENTS_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: STRIPE_KEY,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
});

function event(
  type: string,
  payment: Payment,
  extra: Record<string, unknown> = {},
  id = `evt_${type}_${payment.id}`,
) {
  return JSON.stringify({
    id,
    object: 'event',
    type,
    data: {
      object: {
        id: `cs_test_${payment.id}`,
        object: 'checkout.session',
        amount_total: Number(payment.amountCents),
        currency: 'usd',
        metadata: { payment_id: payment.id },
        ...extra,
      },
    },
  });
}
const paid = (payment: Payment, id?: string) =>
  event(
    'checkout.session.completed',
    payment,
    { payment_status: 'paid', payment_intent: `pi_${payment.id}` },
    id,
  );
const asyncPaid = (payment: Payment) =>
  event('checkout.session.async_payment_succeeded', payment, {
    payment_status: 'paid',
    payment_intent: `pi_${payment.id}`,
  });
const expired = (payment: Payment) =>
  event('checkout.session.expired', payment, { payment_status: 'unpaid' });
const sign = (payload: string, secret = WEBHOOK_SECRET, timestamp?: number) =>
  stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });

/** The webhook endpoint of a running app over `t`'s database, and the helpers every test below uses. */
function webhookHarness(t: TestDatabase) {
  let app: Awaited<ReturnType<typeof startRoutes>>;
  let account: Account;
  const h = {
    get account() {
      return account;
    },
    /** `signature`: null sends no Stripe-Signature header; left out, a valid one. */
    post: (body: string, signature: string | null = sign(body)) =>
      fetch(`${app.url}/webhooks/stripe`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          ...(signature === null ? {} : { 'stripe-signature': signature }),
        },
      }),
    pending: (amountCents: bigint) =>
      pendingPayment(t.db, app.deps.payments, account, amountCents, { now: app.deps.clock.now() }),
    credits: async (payment: Payment) =>
      (
        await t.db
          .select()
          .from(transfers)
          .where(like(transfers.idempotencyKey, `reload:${payment.id}%`))
      ).length,
    status: async (payment: Payment) =>
      (await t.db.select().from(payments).where(eq(payments.id, payment.id)))[0]!.status,
    settle: () => app.deps.background.drain(),
    /** Posts a body; it must get 400 and write nothing, leaving the payment pending and the wallet empty. */
    refused: async (body: string, payment: Payment, signature: string | null = sign(body)) => {
      const before = await tableCounts(t.db);
      const res = await h.post(body, signature);
      expect(res.status).toBe(400);
      await h.settle();
      expect(await tableCounts(t.db)).toEqual(before);
      expect(await h.status(payment)).toBe('pending');
      expect(await walletBalance(t.db, h.account.id)).toBe(0n);
      return (await res.json()) as { error: string };
    },
    errors: () =>
      app.lines.filter((l) => JSON.parse(l).level === 'error').map((l) => JSON.parse(l).msg as string),
  };
  beforeEach(async () => {
    app = await startRoutes(t.db, config, stripePayments());
    account = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'UOWNER1' });
    await linkChannel(t.db, 'C0ACME', account.id, 'UOWNER1');
  });
  afterEach(() => app.stop());
  return h;
}

describeDatabases('Stripe webhooks: duplicated, out of order, forged', (t) => {
  const h = webhookHarness(t);

  // Proves: a paid event delivered again (same id, a new id, or as async_payment_succeeded) credits once.
  it('a paid checkout delivered five times, under new event ids and as async success, credits once', async () => {
    const payment = await h.pending(12_345n);
    for (let i = 0; i < 5; i++) expect((await h.post(paid(payment))).status).toBe(200);
    expect((await h.post(paid(payment, 'evt_resent_1'))).status).toBe(200);
    expect((await h.post(asyncPaid(payment))).status).toBe(200);
    await h.settle();
    expect(await h.credits(payment)).toBe(1);
    expect(await walletBalance(t.db, h.account.id)).toBe(12_345n);
    expect(await h.status(payment)).toBe('paid');
  });

  // Proves: the provider's final word wins whatever the order, and never credits twice.
  it('expired-then-paid credits once; paid-then-expired stays paid', async () => {
    const late = await h.pending(5_000n);
    await h.post(expired(late));
    expect(await h.status(late)).toBe('expired');
    await h.post(paid(late));
    await h.post(expired(late));
    await h.post(paid(late));
    const early = await h.pending(7_000n);
    await h.post(paid(early));
    await h.post(expired(early));
    await h.post(paid(early));
    await h.settle();
    expect([await h.status(late), await h.status(early)]).toEqual(['paid', 'paid']);
    expect([await h.credits(late), await h.credits(early)]).toEqual([1, 1]);
    expect(await walletBalance(t.db, h.account.id)).toBe(12_000n);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const FORGERIES: Array<
    [string, (good: string, other: string) => { body: string; signature: string | null }]
  > = [
    [
      'a tampered body (amount field added after signing)',
      (good) => ({
        body: good.replace('"paid"', '"paid","amount_total":999999999'),
        signature: sign(good),
      }),
    ],
    [
      'a signature made with a wrong secret',
      (good) => ({ body: good, signature: sign(good, 'whsec_wrong0123') }),
    ],
    [
      'a stale timestamp (6 minutes old, correctly signed)',
      (good) => ({
        body: good,
        signature: sign(good, WEBHOOK_SECRET, now() - 360),
      }),
    ],
    ['the signature of another genuine event', (good, other) => ({ body: good, signature: sign(other) })],
    [
      'a replayed signature under a new timestamp',
      (good) => ({
        body: good,
        signature: sign(good, WEBHOOK_SECRET, now() - 360).replace(/t=\d+/, `t=${now()}`),
      }),
    ],
    ['no Stripe-Signature header', (good) => ({ body: good, signature: null })],
    ['an empty signature', (good) => ({ body: good, signature: '' })],
  ];
  // Proves: nothing but a body signed now with our webhook secret is acted on — 400, and not a row written.
  it.each(FORGERIES)('%s gets 400 and writes nothing', async (_what, forge) => {
    const payment = await h.pending(5_000n);
    const other = await h.pending(6_000n);
    const { body, signature } = forge(paid(payment), paid(other));
    await h.refused(body, payment, signature);
  });
});

describeDatabases('Stripe webhooks checked against the stored payment', (t) => {
  const h = webhookHarness(t);
  const paidWith = (payment: Payment, extra: Record<string, unknown>) =>
    event('checkout.session.completed', payment, {
      payment_status: 'paid',
      payment_intent: `pi_${payment.id}`,
      ...extra,
    });
  const refused = h.refused;

  const MISMATCHES: Array<[string, (p: Payment) => Record<string, unknown>, string]> = [
    ['another amount', (p) => ({ amount_total: Number(p.amountCents) + 1 }), 'amount'],
    ['no amount', () => ({ amount_total: null }), 'amount'],
    ['another currency', () => ({ currency: 'eur' }), 'currency'],
    ['another session', () => ({ id: 'cs_test_someone_else' }), 'session id'],
  ];
  // Proves: the event is compared with the stored payment (amount, currency, session) before anything is credited;
  // a mismatch is logged as an error and refused.
  it.each(MISMATCHES)(
    'a paid event with %s gets 400, is logged, and writes nothing',
    async (_what, extra, field) => {
      const payment = await h.pending(5_000n);
      const reply = await refused(paidWith(payment, extra(payment)), payment);
      expect(reply.error).toBe(`the event does not match payment ${payment.id}`);
      expect(h.errors()).toEqual([
        expect.stringContaining(`disagrees with payment ${payment.id} on ${field}`),
      ]);
    },
  );

  // Proves: an expiry for another session does not close the payment.
  it('an expiry naming another session gets 400 and leaves the payment pending', async () => {
    const payment = await h.pending(5_000n);
    await refused(
      event('checkout.session.expired', payment, { payment_status: 'unpaid', id: 'cs_test_other' }),
      payment,
    );
  });

  // Proves: the provider is part of the comparison: a Stripe event cannot pay a sandbox payment.
  it('a Stripe event naming a sandbox payment gets 400 and pays nothing', async () => {
    const payment = await pendingPayment(
      t.db,
      sandboxProvider(() => 'http://localhost', t.db),
      h.account,
      5_000n,
    );
    await refused(paidWith(payment, {}), payment);
    expect(h.errors()).toEqual([expect.stringContaining('on provider')]);
  });

  // Proves: Stripe's library refuses old signatures only; one stamped more than 60 s ahead is refused too.
  it('a correctly signed event stamped 2 minutes ahead gets 400; one 30 seconds ahead is taken', async () => {
    const payment = await h.pending(5_000n);
    const body = paid(payment);
    const now = Math.floor(Date.now() / 1000);
    await refused(body, payment, sign(body, WEBHOOK_SECRET, now + 120));
    expect((await h.post(body, sign(body, WEBHOOK_SECRET, now + 30))).status).toBe(200);
    await h.settle();
    expect(await walletBalance(t.db, h.account.id)).toBe(5_000n);
  });

  // Proves: the event is read through zod: no object, or a payment id that is not one, never reaches a query.
  it.each([
    [
      'data.object null',
      (p: Payment) =>
        JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed', data: { object: null }, p: p.id }),
    ],
    ['a JSON null', () => 'null'],
    ['a payment id holding NUL', (p: Payment) => paidWith(p, { metadata: { payment_id: `${p.id}\u0000` } })],
    [
      'a payment id of 10 KB',
      (p: Payment) => paidWith(p, { metadata: { payment_id: `pay_${'A'.repeat(10_000)}` } }),
    ],
    ['a payment intent holding NUL', (p: Payment) => paidWith(p, { payment_intent: 'pi_\u0000' })],
  ])('a signed event with %s gets 400 and writes nothing', async (_what, body) => {
    const payment = await h.pending(5_000n);
    await refused(body(payment), payment);
    expect(h.errors()).toEqual([]);
  });
});

// Many connections racing on one payment row: PostgreSQL only (PGlite runs one statement at a time).
describePostgres('Stripe webhooks delivered concurrently', (t) => {
  const h = webhookHarness(t);

  // Proves: the payment row lock (`for update`) and the `reload:<payment>` key make racing deliveries credit once.
  it('20 copies of the paid event and 5 expiries per payment, all at once, for 5 payments: one credit each', async () => {
    const list = await Promise.all([1, 2, 3, 4, 5].map((i) => h.pending(BigInt(i * 1_000))));
    const bodies = list.flatMap((p, i) => [
      ...Array.from({ length: 20 }, (_, k) => (k % 2 ? paid(p, `evt_copy_${i}_${k}`) : paid(p))),
      ...Array.from({ length: 5 }, () => expired(p)),
    ]);
    const responses = await Promise.all(bodies.map((b) => h.post(b)));
    expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));
    await h.settle();
    for (const p of list) {
      expect(await h.credits(p)).toBe(1);
      expect(await h.status(p)).toBe('paid');
    }
    expect(await walletBalance(t.db, h.account.id)).toBe(15_000n);
  });
});
