import Stripe from 'stripe';
import {
  type CardOnFile,
  type ChargeOutcome,
  KEY_LIFETIME_MS,
  type PaymentProvider,
  type RefundOutcome,
} from './provider.js';

/** Stripe takes at most 99,999,999 minor units in one payment (e.g. $999,999.99). */
const STRIPE_MAX_AMOUNT = 99_999_999n;

/** The refund's key, kept in its metadata: how recovery finds a refund among a payment intent's refunds. */
const REFUND_KEY_METADATA = 'balance_refund_key';

/** `apiUrl` points the client elsewhere than api.stripe.com (a local fake in tests). */
export function createStripeClient(secretKey: string, apiUrl?: string): Stripe {
  const target = apiUrl ? new URL(apiUrl) : undefined;
  return new Stripe(secretKey, {
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...(target
      ? {
          host: target.hostname,
          port: target.port || (target.protocol === 'http:' ? 80 : 443),
          protocol: target.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
  });
}

/**
 * Stripe's own "no": a 4xx, so nothing was refunded — except 409 (another request with this key is in flight),
 * 429 (slow down) and an idempotency error (the key was first used with other parameters), which say nothing
 * about the refund. Anything else (timeouts, 5xx) is not an answer either: it is thrown on.
 */
function refusalOf(err: unknown): string | undefined {
  if (!(err instanceof Stripe.errors.StripeError)) return undefined;
  if (err instanceof Stripe.errors.StripeIdempotencyError) return undefined;
  const status = err.statusCode ?? 0;
  if (status < 400 || status >= 500 || status === 409 || status === 429) return undefined;
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

/** The charge's key, kept in its metadata: how recovery finds an off-session PaymentIntent (Search API). */
const CHARGE_KEY_METADATA = 'balance_charge_key';

/** A PaymentIntent as an outcome: only `succeeded` moved money; `requires_payment_method` and `canceled` did not. */
function chargeOutcomeOf(intent: Stripe.PaymentIntent): ChargeOutcome {
  if (intent.status === 'succeeded') {
    return {
      kind: 'succeeded',
      providerRef: intent.id,
      amountCents: BigInt(intent.amount_received || intent.amount),
      currency: intent.currency.toUpperCase(),
    };
  }
  if (intent.status === 'requires_payment_method' || intent.status === 'canceled') {
    const error = intent.last_payment_error;
    const code = error?.decline_code ?? error?.code ?? intent.status;
    return {
      kind: 'declined',
      providerRef: intent.id,
      code,
      reason: error?.message ?? `payment ${intent.status}`,
    };
  }
  return { kind: 'processing', providerRef: intent.id };
}

/**
 * Stripe's refusal of an off-session charge (`card_declined`, `authentication_required`, `expired_card`, a detached
 * payment method…): a 4xx with or without the PaymentIntent it made. Not an answer (thrown on): as `refusalOf`.
 */
function declineOf(err: unknown): ChargeOutcome | undefined {
  const refusal = refusalOf(err);
  if (refusal === undefined) return undefined;
  const raw = (err as InstanceType<typeof Stripe.errors.StripeError>).raw as {
    code?: string;
    decline_code?: string;
    message?: string;
    payment_intent?: { id?: string };
  };
  return {
    kind: 'declined',
    providerRef: raw.payment_intent?.id ?? null,
    code: raw.decline_code ?? raw.code ?? 'declined',
    reason: raw.message ?? refusal,
  };
}

/** A refund Stripe made counts as made until Stripe says it failed or was cancelled. */
function outcomeOf(refund: Stripe.Refund): RefundOutcome {
  return refund.status === 'failed' || refund.status === 'canceled'
    ? { kind: 'refused', reason: `Stripe refund ${refund.id} ${refund.status}` }
    : { kind: 'refunded', providerRef: refund.id };
}

/**
 * Stripe Checkout (mode `payment`): one line item of the amount, the payment id in metadata, return pages under
 * PUBLIC_URL. Every call carries an idempotency key, so a retried submit creates one session and one refund.
 */
export function stripeProvider(stripe: Stripe, publicUrl: () => string): PaymentProvider {
  return {
    name: 'stripe',
    maxAmountCents: STRIPE_MAX_AMOUNT,
    keyLifetimeMs: KEY_LIFETIME_MS,
    async createCheckout({
      paymentId,
      amountCents,
      currency,
      accountName,
      description,
      customerId,
      saveCard,
    }) {
      const back = `${publicUrl()}/pay/return/${encodeURIComponent(paymentId)}`;
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: currency.toLowerCase(),
                unit_amount: Number(amountCents),
                product_data: {
                  name: `Balance reload — ${accountName}`.slice(0, 250),
                  ...(description ? { description: description.slice(0, 500) } : {}),
                },
              },
            },
          ],
          metadata: { payment_id: paymentId },
          client_reference_id: paymentId,
          ...(customerId ? { customer: customerId } : {}),
          ...(saveCard
            ? {
                payment_intent_data: {
                  setup_future_usage: 'off_session' as const,
                  metadata: { payment_id: paymentId },
                },
              }
            : {}),
          success_url: `${back}?result=success`,
          cancel_url: `${back}?result=cancel`,
        },
        { idempotencyKey: `checkout:${paymentId}` },
      );
      if (!session.url) throw new Error(`Stripe returned no checkout URL for ${paymentId}`);
      return { url: session.url, providerRef: session.id, expiresAt: new Date(session.expires_at * 1000) };
    },
    /** `POST /v1/refunds` with the refund's key: asked again within 24 h, Stripe answers what it answered first. */
    async refund({ idempotencyKey, paymentId, providerPaymentRef, amountCents }) {
      if (!providerPaymentRef) return { kind: 'refused', reason: 'the payment has no Stripe payment intent' };
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: providerPaymentRef,
            amount: Number(amountCents),
            metadata: { [REFUND_KEY_METADATA]: idempotencyKey, payment_id: paymentId },
          },
          { idempotencyKey },
        );
        return outcomeOf(refund);
      } catch (err) {
        const refusal = refusalOf(err);
        if (refusal === undefined) throw err;
        return { kind: 'refused', reason: refusal };
      }
    },
    /** The payment intent's refunds (`GET /v1/refunds?payment_intent=…`, every page), matched by the key in metadata. */
    async findRefund({ idempotencyKey, providerPaymentRef }) {
      if (!providerPaymentRef) return undefined;
      for await (const refund of stripe.refunds.list({ payment_intent: providerPaymentRef, limit: 100 })) {
        if (refund.metadata?.[REFUND_KEY_METADATA] === idempotencyKey) return outcomeOf(refund);
      }
      return undefined;
    },
    async createCustomer({ idempotencyKey, accountName }) {
      const customer = await stripe.customers.create(
        { name: accountName.slice(0, 256), metadata: { balance_customer_key: idempotencyKey } },
        { idempotencyKey },
      );
      return customer.id;
    },
    /** The payment intent with its payment method expanded (`GET /v1/payment_intents/:id?expand[]=payment_method`). */
    async savedCardOf(providerPaymentRef): Promise<CardOnFile | undefined> {
      const intent = await stripe.paymentIntents.retrieve(providerPaymentRef, { expand: ['payment_method'] });
      const method = intent.payment_method;
      const customer = typeof intent.customer === 'string' ? intent.customer : intent.customer?.id;
      if (intent.setup_future_usage !== 'off_session' || !customer) return undefined;
      if (!method || typeof method === 'string' || !method.card) return undefined;
      const { brand, last4, exp_month, exp_year } = method.card;
      return {
        customerId: customer,
        paymentMethodId: method.id,
        brand,
        last4,
        expMonth: exp_month,
        expYear: exp_year,
      };
    },
    /**
     * `POST /v1/payment_methods/:id/detach`. Stripe refuses to detach a method that is no longer attached (or
     * unknown): read back, such a card counts as detached, so a retry after a lost answer succeeds.
     */
    async detachCard(paymentMethodId) {
      try {
        await stripe.paymentMethods.detach(paymentMethodId);
      } catch (err) {
        const gone = await stripe.paymentMethods.retrieve(paymentMethodId).then(
          (method) => method.customer === null,
          (missing: { code?: string }) => missing.code === 'resource_missing',
        );
        if (!gone) throw err;
      }
    },
    /** `POST /v1/payment_intents` with `off_session`, `confirm` and the charge's key: asked again, Stripe replays. */
    async chargeOffSession(request) {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: Number(request.amountCents),
            currency: request.currency.toLowerCase(),
            customer: request.customerId,
            payment_method: request.paymentMethodId,
            off_session: true,
            confirm: true,
            description: request.description.slice(0, 1000),
            metadata: { payment_id: request.paymentId, [CHARGE_KEY_METADATA]: request.idempotencyKey },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return chargeOutcomeOf(intent);
      } catch (err) {
        const decline = declineOf(err);
        if (decline === undefined) throw err;
        return decline;
      }
    },
    /** `GET /v1/payment_intents/search` by the key in metadata. */
    async findCharge({ idempotencyKey }) {
      const found = await stripe.paymentIntents.search({
        query: `metadata['${CHARGE_KEY_METADATA}']:'${idempotencyKey.replace(/['\\]/g, '')}'`,
        limit: 1,
      });
      const intent = found.data[0];
      return intent ? chargeOutcomeOf(intent) : undefined;
    },
  };
}
