import { eq, like } from 'drizzle-orm';
import nock from 'nock';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { autoReloadAfterCheck } from '../../src/app/auto-reload.js';
import { ACTION, RELOAD_INPUT } from '../../src/app/ids.js';
import {
  autoReloadCharges,
  autoReloadSettings,
  outbox,
  payments,
  savedCards,
  transfers,
} from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { claimRunwayCharges, configureAutoReload } from '../../src/services/autoreload.js';
import { recordReading } from '../../src/services/devices.js';
import { startPayment } from '../../src/services/payments/payments.js';
import { type FakeStripe, startFakeStripe } from '../faults/support/fake-stripe.js';
import { describeDatabases } from '../support/db.js';
import { pendingPayment } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack, testConfig } from '../support/slack.js';

type Acme = Awaited<ReturnType<typeof seedPeople>>['acme'];

/** Auto-reload of $1,000.00 below 1.0 month, as an admin saves it. */
const autoReload = (slack: SlackHarness, acme: Acme) =>
  configureAutoReload(slack.deps.db, {
    accountId: acme.id,
    enabled: true,
    thresholdTenths: 10,
    amountCents: 100_000n,
    maxPerMonth: 2,
    by: PEOPLE.admin,
    now: slack.clock.now(),
  });

describeDatabases('auto-reload through the sandbox, end to end', (t) => {
  let slack: SlackHarness;
  let acme: Acme;
  let posts: unknown[];
  beforeEach(async () => {
    slack = await startSlack(t.db);
    ({ acme } = await seedPeople(t.db)); // Acme is on plus: $4.00 a device
    slackApi('views.publish', {}, 50);
    posts = slackApi('chat.postMessage', { ts: '1.1', channel: ACME_CHANNEL }, 50);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const payOnPage = (paymentId: string, form: string) =>
    fetch(`${slack.url}/pay/sandbox/${paymentId}`, {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  const paidWithCard = async (card: 'succeeds' | 'declines') => {
    const payment = await pendingPayment(t.db, slack.deps.payments, acme, 20_000n, {
      now: slack.clock.now(),
      requestedBy: PEOPLE.admin,
    });
    const page = await (await fetch(`${slack.url}/pay/sandbox/${payment.id}`)).text();
    expect(page).toContain('name="save_card" value="1"');
    expect(page).toContain('name="test_card" value="declines"');
    expect((await payOnPage(payment.id, `action=pay&save_card=1&test_card=${card}`)).status).toBe(200);
    await slack.settle();
    return payment;
  };
  const charges = () => t.db.select().from(autoReloadCharges);

  it('the page saves the chosen test card, never a number; a bad form writes nothing', async () => {
    const payment = await pendingPayment(t.db, slack.deps.payments, acme, 20_000n, {
      now: slack.clock.now(),
    });
    expect((await payOnPage(payment.id, 'action=pay&save_card=yes')).status).toBe(400);
    expect((await payOnPage(payment.id, 'action=pay&save_card=1&test_card=amex')).status).toBe(400);
    expect((await t.db.select().from(payments).where(eq(payments.id, payment.id)))[0]!.status).toBe(
      'pending',
    );
    expect(await t.db.select().from(savedCards)).toEqual([]);

    await paidWithCard('declines');
    const [card] = await t.db.select().from(savedCards);
    expect(card).toMatchObject({
      accountId: acme.id,
      brand: 'visa',
      last4: '0341',
      paymentMethodId: 'sandbox_pm_declines',
    });
  });

  it('status shows the auto-reload line; `card` shows the card; `card remove` forgets it and turns auto-reload off', async () => {
    const ask = async (text: string, userId: string = PEOPLE.admin) =>
      ((await (await slack.command(text, { userId, channelId: ACME_CHANNEL })).json()) as { text: string })
        .text;
    expect(await ask('status')).toContain('Auto-reload: off — `/balance autoreload` to set it up');
    expect(await ask('card')).toContain('Acme has no card on file');
    await paidWithCard('succeeds');
    await autoReload(slack, acme);
    expect(await ask('status')).toContain(
      'Auto-reload: on — $1,000.00 when the runway is below 1.0 month · Visa …4242 · 0 of 2 this month',
    );
    expect(await ask('card')).toMatch(/Card on file for Acme: Visa …4242, expires 12\/20\d\d/);
    expect(await ask('card remove', PEOPLE.sales)).toMatch(/admin/i);
    expect(await t.db.select().from(savedCards)).toHaveLength(1);
    expect(await ask('card remove')).toContain('Removed Visa …4242');
    expect(await t.db.select().from(savedCards)).toEqual([]);
    expect(await ask('status')).toMatch(/Auto-reload: off since .*: the card was removed/);
    expect(await ask('card frobnicate')).toContain('`card` takes nothing, or `remove`.');
  });

  it('the autoreload modal: admins only, every field checked, nothing written on a refusal, saved when right', async () => {
    const opened = slackApi('views.open', {}, 2);
    const refused = await slack.command('autoreload', { userId: PEOPLE.sales, channelId: ACME_CHANNEL });
    expect(((await refused.json()) as { text: string }).text).toMatch(/admin/i);
    await slack.command('autoreload', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await expect.poll(() => opened.length).toBe(1);
    const view = (opened[0] as { view: { callback_id: string; private_metadata: string } }).view;
    expect(view.callback_id).toBe('autoreload');
    const state = (fields: { on: boolean; threshold: string; amount: string; max: string }) => ({
      values: {
        enabled: { enabled: { type: 'checkboxes', selected_options: fields.on ? [{ value: 'on' }] : [] } },
        threshold: { threshold: { type: 'plain_text_input', value: fields.threshold } },
        amount: { amount: { type: 'plain_text_input', value: fields.amount } },
        max_per_month: { max_per_month: { type: 'plain_text_input', value: fields.max } },
      },
    });
    const submit = async (fields: Parameters<typeof state>[0], userId: string = PEOPLE.admin) =>
      (await (await slack.submitView(userId, view, state(fields), 'VAUTO')).json().catch(() => ({}))) as {
        response_action?: string;
        errors?: Record<string, string>;
      };
    const bad = await submit({ on: true, threshold: '0.05', amount: '0.50', max: '11' });
    expect(bad.response_action).toBe('errors');
    expect(Object.keys(bad.errors!).sort()).toEqual(['amount', 'max_per_month', 'threshold']);
    expect(
      (await submit({ on: true, threshold: '25', amount: '10000000.01', max: '0' })).errors,
    ).toMatchObject({
      threshold: 'Give 0.1 to 24 months',
      max_per_month: 'Give a whole number from 1 to 10',
    });
    expect((await submit({ on: true, threshold: '1.5', amount: '500', max: '2' })).errors).toEqual({
      enabled: expect.stringContaining('save a card first'),
    });
    expect(
      (await submit({ on: true, threshold: '1.5', amount: '500', max: '2' }, PEOPLE.sales)).errors,
    ).toEqual({
      enabled: expect.stringMatching(/admin/),
    });
    expect(await t.db.select().from(autoReloadSettings)).toEqual([]);

    await paidWithCard('succeeds');
    expect(await submit({ on: true, threshold: '1.5', amount: '$1,000', max: '3' })).not.toHaveProperty(
      'errors',
    );
    const [saved] = await t.db.select().from(autoReloadSettings);
    expect(saved).toMatchObject({
      enabled: true,
      thresholdTenths: 15,
      amountCents: 100_000n,
      maxPerMonth: 3,
    });
  });

  it('a device count that empties the runway charges the saved card at once and credits it once', async () => {
    await paidWithCard('succeeds');
    await autoReload(slack, acme);
    // 100 devices on plus: $400.00 a month; $200.00 is half a month, below 1.0.
    await slack.command('devices 100', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await slack.settle();
    await expect.poll(async () => (await charges()).map((c) => c.state)).toEqual(['succeeded']);
    await slack.settle();
    expect(await walletBalance(t.db, acme.id)).toBe(120_000n);
    const reloads = await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'reload:%'));
    expect(reloads.map((r) => r.amount).sort()).toEqual([100_000n, 20_000n]);
  });

  it('the declining card: the admin gets a DM with a Reload button, and no new try that day', async () => {
    await paidWithCard('declines');
    await autoReload(slack, acme);
    await slack.command('devices 100', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await slack.settle();
    await expect.poll(async () => (await charges()).map((c) => c.state)).toEqual(['declined']);
    await slack.settle();
    const dm = (posts as Array<{ channel: string; text: string; blocks: string }>).find(
      (p) => p.channel === PEOPLE.admin && p.text.includes('auto-reload'),
    );
    expect(dm?.text).toContain('The auto-reload of $1,000.00 for Acme was declined (card_declined)');
    expect(dm?.text).toContain('No new try before');
    expect(JSON.stringify(dm?.blocks)).toContain(ACTION.alertReload);
    await slack.command('devices 120', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await slack.settle();
    expect(await charges()).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(20_000n);
  });
});

const WEBHOOK_SECRET = 'whsec_autoreload_0123456789';
const signer = new Stripe('sk_test_autoreload');

describeDatabases('auto-reload with Stripe (the local fake) and its webhooks', (t) => {
  let fake: FakeStripe;
  let slack: SlackHarness;
  let acme: Acme;
  beforeAll(async () => {
    fake = await startFakeStripe();
  });
  afterAll(() => fake.close());
  beforeEach(async () => {
    nock.enableNetConnect();
    const config = testConfig({
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_autoreload',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: fake.url,
      PUBLIC_URL: 'https://balance.example.com',
    });
    slack = await startSlack(t.db, { config });
    ({ acme } = await seedPeople(t.db));
    slackApi('views.publish', {}, 50);
    slackApi('chat.postMessage', { ts: '1.1', channel: ACME_CHANNEL }, 50);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const webhook = (event: unknown) => {
    const body = JSON.stringify(event);
    return fetch(`${slack.url}/webhooks/stripe`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signer.webhooks.generateTestHeaderString({
          payload: body,
          secret: WEBHOOK_SECRET,
        }),
      },
    });
  };
  const eventOf = (
    type: string,
    object: unknown,
    id = `evt_${type}_${Math.random().toString(36).slice(2)}`,
  ) => ({
    id,
    object: 'event',
    type,
    data: { object },
  });

  /** A Checkout that asked to save the card, paid with `offSession` behaviour, confirmed by its webhook. */
  async function savedThroughCheckout(offSession: 'succeeds' | 'card_declined') {
    const payment = await startPayment(t.db, slack.deps.payments, {
      accountId: acme.id,
      accountName: acme.name,
      amountCents: 20_000n,
      currency: 'USD',
      description: null,
      viewId: `VSAVE${offSession}`,
      requestedBy: PEOPLE.admin,
      now: slack.clock.now(),
      saveCard: true,
    });
    const session = fake.completeCheckout(payment.providerRef!, { brand: 'visa', last4: '4242', offSession });
    expect((await webhook(eventOf('checkout.session.completed', session))).status).toBe(200);
    await slack.settle();
    // 100 devices on plus: $400.00 a month, so the $200.00 paid is half a month.
    await recordReading(t.db, { accountId: acme.id, count: 100, at: slack.clock.now(), by: PEOPLE.admin });
  }

  it("the Reload modal's save_card box makes the Checkout keep the card for the account's one customer", async () => {
    const opened = slackApi('views.open');
    await slack.command('reload 500', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await expect.poll(() => opened.length).toBe(1);
    const view = (opened[0] as { view: { callback_id: string; private_metadata: string } }).view;
    const state = (save: boolean) => ({
      values: {
        [RELOAD_INPUT.mode]: {
          [RELOAD_INPUT.mode]: { type: 'radio_buttons', selected_option: { value: 'amount' } },
        },
        [RELOAD_INPUT.amount]: { [RELOAD_INPUT.amount]: { type: 'plain_text_input', value: '500' } },
        [RELOAD_INPUT.saveCard]: {
          [RELOAD_INPUT.saveCard]: { type: 'checkboxes', selected_options: save ? [{ value: 'save' }] : [] },
        },
      },
    });
    expect((await slack.submitView(PEOPLE.admin, view, state(true), 'VSAVE1')).status).toBe(200);
    expect((await slack.submitView(PEOPLE.admin, view, state(true), 'VSAVE2')).status).toBe(200);
    expect((await slack.submitView(PEOPLE.admin, view, state(false), 'VPLAIN')).status).toBe(200);
    const [first, second, plain] = fake.checkoutSessions().slice(-3);
    expect(first!['payment_intent_data[setup_future_usage]']).toBe('off_session');
    expect(second!.customer).toBe(first!.customer);
    expect(fake.customers().filter((c) => c.id === first!.customer)).toHaveLength(1);
    expect(plain).not.toHaveProperty(['payment_intent_data[setup_future_usage]']);
    const saved = await t.db.select().from(payments).where(eq(payments.viewId, 'VSAVE1'));
    expect(saved[0]!.saveCard).toBe(true);
  });

  it('Checkout saves the card (setup_future_usage, the account customer); the webhook stores brand and last 4', async () => {
    await savedThroughCheckout('succeeds');
    expect(fake.checkoutSessions().at(-1)!['payment_intent_data[setup_future_usage]']).toBe('off_session');
    const [card] = await t.db.select().from(savedCards);
    expect(card).toMatchObject({ provider: 'stripe', brand: 'visa', last4: '4242', expMonth: 12 });
    expect(card!.customerId).toBe(fake.customers().at(-1)!.id);
  });

  it('an off-session charge credits once; its payment_intent.succeeded replayed changes nothing; a forged amount is refused', async () => {
    await savedThroughCheckout('succeeds');
    await autoReload(slack, acme);
    const [result] = await autoReloadAfterCheck(slack.deps, [acme.id]);
    expect(result).toMatchObject({ kind: 'succeeded', confirmation: { kind: 'credited' } });
    const intent = fake.paymentIntents().at(-1)!;
    expect(intent).toMatchObject({ amount: 100_000, status: 'succeeded' });
    expect((await webhook(eventOf('payment_intent.succeeded', intent))).status).toBe(200);
    expect((await webhook(eventOf('payment_intent.succeeded', { ...intent, amount: 999_999 }))).status).toBe(
      400,
    );
    await slack.settle();
    const reloads = await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'reload:%'));
    expect(reloads).toHaveLength(2); // the checkout and one auto-reload
    expect(await walletBalance(t.db, acme.id)).toBe(120_000n);
  });

  it('payment_intent.payment_failed for a charge in flight declines it once, with its messages', async () => {
    await savedThroughCheckout('succeeds');
    await autoReload(slack, acme);
    const [charge] = await claimRunwayCharges(t.db, {
      now: slack.clock.now(),
      timeZone: 'UTC',
      currency: 'USD',
      accountIds: [acme.id],
    });
    const failed = eventOf('payment_intent.payment_failed', {
      id: 'pi_failedoffsession1',
      object: 'payment_intent',
      amount: 100_000,
      currency: 'usd',
      status: 'requires_payment_method',
      metadata: { payment_id: charge!.paymentId },
      last_payment_error: {
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
    });
    expect((await webhook(failed)).status).toBe(200);
    expect((await webhook(failed)).status).toBe(200);
    const [declined] = await t.db.select().from(autoReloadCharges);
    expect(declined).toMatchObject({
      state: 'declined',
      declineReason: 'insufficient_funds: Your card has insufficient funds.',
    });
    const notes = await t.db.select().from(outbox).where(like(outbox.dedupeKey, 'autoreload-declined:%'));
    expect(notes.map((n) => n.channelId)).toEqual([PEOPLE.admin]);
    expect(await walletBalance(t.db, acme.id)).toBe(20_000n);
  });
});
