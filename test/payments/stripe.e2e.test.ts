import { eq, like } from 'drizzle-orm';
import nock from 'nock';
import Stripe from 'stripe';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CALLBACK, RELOAD_INPUT } from '../../src/app/ids.js';
import { payments, refunds, transfers } from '../../src/db/schema.js';
import { postTransfer, walletBalance } from '../../src/ledger/ledger.js';
import type { Payment } from '../../src/services/payments/payments.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { fund, pendingPayment } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople, slackUser } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack, testConfig } from '../support/slack.js';

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';
const config = testConfig({
  PAYMENTS_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_0123456789',
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  PUBLIC_URL: 'https://balance.example.com',
});
const stripe = new Stripe('sk_test_0123456789');

/** Stripe's API, intercepted: Checkout Sessions and refunds; returns the decoded request bodies. */
function stripeApi() {
  const sessions: Array<Record<string, string>> = [];
  const refundCalls: Array<Record<string, string>> = [];
  nock('https://api.stripe.com')
    .persist()
    .post('/v1/checkout/sessions')
    .reply(200, (_uri, body) => {
      const params = Object.fromEntries(new URLSearchParams(String(body)));
      sessions.push(params);
      const id = `cs_test_${params['metadata[payment_id]']}`;
      return {
        id,
        object: 'checkout.session',
        url: `https://checkout.stripe.com/c/pay/${id}`,
        expires_at: 1_796_000_000,
      };
    })
    .post('/v1/refunds')
    .reply(200, (_uri, body) => {
      const params = Object.fromEntries(new URLSearchParams(String(body)));
      refundCalls.push(params);
      return {
        id: `re_${refundCalls.length}`,
        object: 'refund',
        amount: Number(params.amount),
        status: 'succeeded',
      };
    });
  return { sessions, refunds: refundCalls };
}

/** A Checkout Session event as Stripe sends it for a payment's session (amount and currency included). */
function event(
  type: string,
  payment: Pick<Payment, 'id' | 'amountCents'>,
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

describeDatabases('Stripe Checkout and its webhooks', (t) => {
  let slack: SlackHarness;
  let acme: Awaited<ReturnType<typeof seedPeople>>['acme'];
  let api: ReturnType<typeof stripeApi>;
  beforeEach(async () => {
    nock.disableNetConnect();
    slack = await startSlack(t.db, { config });
    ({ acme } = await seedPeople(t.db));
    slackApi('views.publish', {}, 50);
    slackApi('chat.postMessage', { ts: '1.1', channel: ACME_CHANNEL }, 50);
    api = stripeApi();
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const webhook = (
    body: string,
    signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET }),
  ) =>
    fetch(`${slack.url}/webhooks/stripe`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    });
  const pending = (amountCents: bigint) =>
    pendingPayment(t.db, slack.deps.payments, acme, amountCents, {
      now: slack.clock.now(),
      viewId: `V${amountCents}`,
      requestedBy: PEOPLE.admin,
    });
  const paidEvent = (payment: Pick<Payment, 'id' | 'amountCents'>) =>
    event('checkout.session.completed', payment, {
      payment_status: 'paid',
      payment_intent: `pi_${payment.id}`,
    });
  const reloads = () => t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'reload:%'));

  it('Continue to payment creates a Checkout Session for the amount and links the Pay step to it', async () => {
    const opened = slackApi('views.open');
    await slack.command('reload 1200.50', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await expect.poll(() => opened.length).toBe(1);
    const view = (opened[0] as { view: { private_metadata: string } }).view;
    const res = await slack.interaction({
      type: 'view_submission',
      user: slackUser('admin'),
      api_app_id: 'A1',
      view: {
        id: 'VSTRIPE',
        type: 'modal',
        callback_id: CALLBACK.reload,
        private_metadata: view.private_metadata,
        blocks: [],
        state: {
          values: {
            [RELOAD_INPUT.mode]: {
              [RELOAD_INPUT.mode]: { type: 'radio_buttons', selected_option: { value: 'amount' } },
            },
            [RELOAD_INPUT.amount]: { [RELOAD_INPUT.amount]: { type: 'plain_text_input', value: '1200.50' } },
          },
        },
      },
    });
    const step = JSON.stringify(((await res.json()) as { view: unknown }).view);
    const [payment] = await t.db.select().from(payments);
    expect(api.sessions).toEqual([
      expect.objectContaining({
        mode: 'payment',
        'line_items[0][quantity]': '1',
        'line_items[0][price_data][currency]': 'usd',
        'line_items[0][price_data][unit_amount]': '120050',
        'metadata[payment_id]': payment!.id,
        success_url: `https://balance.example.com/pay/return/${payment!.id}?result=success`,
        cancel_url: `https://balance.example.com/pay/return/${payment!.id}?result=cancel`,
      }),
    ]);
    expect(step).toContain(`https://checkout.stripe.com/c/pay/cs_test_${payment!.id}`);
    expect(step).toContain('Pay $1,200.50');
    expect(step).toContain('works until');
    expect(payment).toMatchObject({
      provider: 'stripe',
      status: 'pending',
      providerRef: `cs_test_${payment!.id}`,
    });
  });

  it('a paid checkout.session.completed credits once, however often it is delivered, even all at once', async () => {
    const payment = await pending(100_000n);
    const body = paidEvent(payment);
    for (let i = 0; i < 5; i++) expect((await webhook(body)).status).toBe(200);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => webhook(body)));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await reloads()).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(100_000n);
    const [row] = await t.db.select().from(payments);
    expect(row).toMatchObject({ status: 'paid', providerPaymentRef: `pi_${payment.id}` });
  });

  it('follows the provider’s final word when events come out of order, without a double credit', async () => {
    const late = await pending(5_000n);
    expect(
      (await webhook(event('checkout.session.expired', late, { payment_status: 'unpaid' }))).status,
    ).toBe(200);
    expect((await t.db.select().from(payments).where(eq(payments.id, late.id)))[0]!.status).toBe('expired');
    await webhook(paidEvent(late));
    const early = await pending(7_000n);
    await webhook(paidEvent(early));
    await webhook(event('checkout.session.expired', early, { payment_status: 'unpaid' }));
    const statuses = await t.db.select({ id: payments.id, status: payments.status }).from(payments);
    expect(statuses.map((s) => s.status)).toEqual(['paid', 'paid']);
    expect(await reloads()).toHaveLength(2);
    expect(await walletBalance(t.db, acme.id)).toBe(12_000n);
  });

  it('an unpaid completion credits nothing; an event for an unknown payment is acknowledged', async () => {
    const payment = await pending(5_000n);
    await webhook(event('checkout.session.completed', payment, { payment_status: 'unpaid' }));
    expect((await webhook(paidEvent({ id: 'pay_ZZZZZZZZZZZZZZZZ', amountCents: 5_000n }))).status).toBe(200);
    expect(await reloads()).toHaveLength(0);
    expect(slack.logLines.join('\n')).toContain('unknown payment pay_ZZZZZZZZZZZZZZZZ');
  });

  it.each([
    [
      'a tampered body',
      (body: string) => ({ body: body.replace('"paid"', '"paid" '), signature: undefined }),
    ],
    [
      'a wrong secret',
      (body: string) => ({
        body,
        signature: stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_wrong' }),
      }),
    ],
    [
      'a 5-minute-old signature',
      (body: string) => ({
        body,
        signature: stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: WEBHOOK_SECRET,
          timestamp: Math.floor(Date.now() / 1000) - 301,
        }),
      }),
    ],
    ['no signature', (body: string) => ({ body, signature: '' })],
  ])('%s gets 400 and writes nothing', async (_what, forge) => {
    const payment = await pending(5_000n);
    const good = paidEvent(payment);
    const { body, signature } = forge(good);
    const before = await tableCounts(t.db);
    const res = await webhook(
      body,
      signature ?? stripe.webhooks.generateTestHeaderString({ payload: good, secret: WEBHOOK_SECRET }),
    );
    expect(res.status).toBe(400);
    expect(await tableCounts(t.db)).toEqual(before);
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
  });

  it('has no sandbox pages', async () => {
    expect((await fetch(`${slack.url}/pay/sandbox/pay_0000000000000000`)).status).toBe(404);
  });

  {
    const refund = async (text: string, requestId = `trigger.${Math.random()}`) => {
      const body = new URLSearchParams({
        command: '/balance',
        text,
        user_id: PEOPLE.finance,
        channel_id: ACME_CHANNEL,
        team_id: 'T1',
        response_url: 'http://slack.test/respond/1',
        trigger_id: requestId,
      }).toString();
      const res = await slack.post(body);
      return ((await res.json()) as { text: string }).text;
    };
    const paid = async (amount: bigint) => {
      const payment = await pending(amount);
      await webhook(paidEvent(payment));
      return payment;
    };

    it('refunds in part and in full through Stripe, reversing the credit; never more than the payment', async () => {
      const payment = await paid(100_000n);
      expect(await refund(`refund ${payment.id} 250`)).toContain('Refunded $250.00');
      expect(api.refunds).toEqual([
        expect.objectContaining({ payment_intent: `pi_${payment.id}`, amount: '25000' }),
      ]);
      expect(await refund(`refund ${payment.id} 751`)).toContain(
        'Only $750.00 of that payment is left to refund',
      );
      expect(await refund(`refund ${payment.id}`)).toContain('Refunded $750.00');
      expect(await refund(`refund ${payment.id}`)).toContain('refunded in full');
      expect(await walletBalance(t.db, acme.id)).toBe(0n);
      expect((await t.db.select().from(refunds)).map((r) => [r.amountCents, r.status])).toEqual([
        [25_000n, 'succeeded'],
        [75_000n, 'succeeded'],
      ]);
    });

    it('refuses a refund the balance no longer holds, naming the balance', async () => {
      const payment = await paid(100_000n);
      await t.db.transaction(async (tx) => {
        await postTransfer(tx, {
          key: 'usage:x',
          from: { wallet: acme.id },
          to: { system: 'usage_revenue' },
          amount: 90_000n,
          actor: 'system',
          memo: 'usage',
        });
      });
      expect(await refund(`refund ${payment.id}`)).toContain('The balance holds only $100.00');
      expect(api.refunds).toEqual([]);
      expect(await walletBalance(t.db, acme.id)).toBe(10_000n);
    });

    it('a retried refund command refunds once; a refund Stripe refuses leaves the balance whole', async () => {
      const payment = await paid(50_000n);
      await fund(t.db, acme.id, 1n);
      await refund(`refund ${payment.id} 100`, 'trigger.same');
      await refund(`refund ${payment.id} 100`, 'trigger.same');
      expect(api.refunds).toHaveLength(1);
      nock.cleanAll();
      nock('https://api.stripe.com')
        .post('/v1/refunds')
        .times(3)
        .reply(400, { error: { type: 'invalid_request_error', message: 'charge disputed' } });
      slackApi('views.publish', {}, 10);
      expect(await refund(`refund ${payment.id} 100`)).toContain('refused the refund');
      expect(await walletBalance(t.db, acme.id)).toBe(40_001n);
    });
  }
});
