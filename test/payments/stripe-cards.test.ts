import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OffSessionCharge } from '../../src/services/payments/provider.js';
import { createStripeClient, stripeProvider } from '../../src/services/payments/stripe.js';
import { type FakeStripe, startFakeStripe, type TestCard } from '../faults/support/fake-stripe.js';

const VISA: TestCard = { brand: 'visa', last4: '4242', offSession: 'succeeds' };
const DECLINES: TestCard = { brand: 'visa', last4: '0341', offSession: 'card_declined' };
const NEEDS_3DS: TestCard = { brand: 'mastercard', last4: '3155', offSession: 'authentication_required' };

/** The Stripe provider's card-on-file calls (SPEC §15), through the real Stripe client, against the local fake. */
describe('Stripe: customers, saved cards and off-session charges', () => {
  let fake: FakeStripe;
  let provider: ReturnType<typeof stripeProvider>;
  beforeAll(async () => {
    fake = await startFakeStripe();
    provider = stripeProvider(createStripeClient('sk_test_cards', fake.url), () => 'https://balance.test');
  });
  afterAll(() => fake.close());

  /** A customer who paid a checkout that saved `card`: the card as Balance reads it back. */
  async function savedCard(paymentId: string, card: TestCard) {
    const customerId = await provider.createCustomer({
      idempotencyKey: `customer:${paymentId}`,
      accountName: 'Acme',
    });
    const checkout = await provider.createCheckout({
      paymentId,
      amountCents: 50_000n,
      currency: 'USD',
      accountName: 'Acme',
      description: null,
      now: new Date(),
      customerId,
      saveCard: true,
    });
    const session = fake.completeCheckout(checkout.providerRef, card);
    return (await provider.savedCardOf(session.payment_intent!))!;
  }

  const charge = (key: string, card: { customerId: string; paymentMethodId: string }): OffSessionCharge => ({
    idempotencyKey: key,
    paymentId: 'pay_AUTORELOAD000001',
    customerId: card.customerId,
    paymentMethodId: card.paymentMethodId,
    amountCents: 100_000n,
    currency: 'USD',
    description: 'Balance auto-reload — Acme',
  });

  it('creates one customer however often it is asked with the same key', async () => {
    const before = fake.customers().length;
    const first = await provider.createCustomer({ idempotencyKey: 'customer:1:k1', accountName: 'Acme' });
    const again = await provider.createCustomer({ idempotencyKey: 'customer:1:k1', accountName: 'Acme' });
    expect(again).toBe(first);
    expect(fake.customers().length).toBe(before + 1);
  });

  it('asks Checkout to keep the card off-session only when the payer chose to save it, and reads it back', async () => {
    const card = await savedCard('pay_SAVE000000000001', VISA);
    const asked = fake.checkoutSessions().at(-1)!;
    expect(asked['payment_intent_data[setup_future_usage]']).toBe('off_session');
    expect(asked.customer).toBe(card.customerId);
    expect(card).toMatchObject({ brand: 'visa', last4: '4242', expMonth: 12 });
    expect(card.paymentMethodId).toMatch(/^pm_/);
    expect(JSON.stringify(card)).not.toMatch(/4242424242424242/);

    const plain = await provider.createCheckout({
      paymentId: 'pay_PLAIN00000000001',
      amountCents: 1_000n,
      currency: 'USD',
      accountName: 'Acme',
      description: null,
      now: new Date(),
    });
    expect(fake.checkoutSessions().at(-1)).not.toHaveProperty(['payment_intent_data[setup_future_usage]']);
    const session = fake.completeCheckout(plain.providerRef, VISA);
    expect(await provider.savedCardOf(session.payment_intent!)).toBeUndefined();
  });

  it('detaches a removed card; an unanswered detach throws and leaves it attached; a retry after a lost answer is done', async () => {
    const card = await savedCard('pay_DETACH0000000001', VISA);
    expect(fake.customerOfMethod(card.paymentMethodId)).toBe(card.customerId);
    fake.failDetaches('before');
    await expect(provider.detachCard(card.paymentMethodId)).rejects.toThrow();
    expect(fake.customerOfMethod(card.paymentMethodId)).toBe(card.customerId);
    fake.failDetaches('after'); // Stripe detached it, and the answer was a 500
    await expect(provider.detachCard(card.paymentMethodId)).resolves.toBeUndefined();
    expect(fake.customerOfMethod(card.paymentMethodId)).toBeNull();
    fake.failDetaches(false);
    await expect(provider.detachCard(card.paymentMethodId)).resolves.toBeUndefined(); // not attached any more
    await expect(provider.detachCard('pm_neverexisted')).resolves.toBeUndefined();
  });

  it('charges off-session once per key, with off_session and confirm, and finds the charge by its key', async () => {
    const card = await savedCard('pay_SAVE000000000002', VISA);
    const request = charge('autoreload:1:low:2026-12-01T09:00:00.000Z', card);
    const first = await provider.chargeOffSession(request);
    expect(first).toMatchObject({ kind: 'succeeded', amountCents: 100_000n, currency: 'USD' });
    const replay = await provider.chargeOffSession(request);
    expect(replay).toEqual(first);
    const made = fake
      .paymentIntents()
      .filter((i) => i.metadata.balance_charge_key === request.idempotencyKey);
    expect(made).toHaveLength(1);
    expect(fake.calls.filter((c) => c.path === '/v1/payment_intents').map((c) => c.idempotencyKey)).toContain(
      request.idempotencyKey,
    );
    expect(await provider.findCharge(request)).toEqual(first);
    expect(await provider.findCharge({ ...request, idempotencyKey: 'autoreload:1:never' })).toBeUndefined();
  });

  it('reads card_declined and authentication_required as declines naming the intent, not as errors', async () => {
    const declining = await savedCard('pay_SAVE000000000003', DECLINES);
    const declined = await provider.chargeOffSession(charge('autoreload:1:declined', declining));
    expect(declined).toMatchObject({
      kind: 'declined',
      code: 'generic_decline',
      reason: 'Your card was declined.',
    });
    expect(declined.providerRef).toMatch(/^pi_/);
    expect(await provider.findCharge(charge('autoreload:1:declined', declining))).toMatchObject({
      kind: 'declined',
      providerRef: declined.providerRef,
    });

    const strict = await savedCard('pay_SAVE000000000004', NEEDS_3DS);
    expect(await provider.chargeOffSession(charge('autoreload:1:3ds', strict))).toMatchObject({
      kind: 'declined',
      code: 'authentication_required',
    });
  });

  it('throws when Stripe gives no answer (500), so the charge stays unknown rather than declined', async () => {
    const card = await savedCard('pay_SAVE000000000005', VISA);
    fake.failCharges(true);
    try {
      await expect(provider.chargeOffSession(charge('autoreload:1:down', card))).rejects.toThrow();
    } finally {
      fake.failCharges(false);
    }
  });
});
