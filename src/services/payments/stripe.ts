import Stripe from 'stripe';
import { type PaymentProvider, REFUND_KEY_LIFETIME_MS, type RefundOutcome } from './provider.js';

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
    refundKeyLifetimeMs: REFUND_KEY_LIFETIME_MS,
    async createCheckout({ paymentId, amountCents, currency, accountName, description }) {
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
  };
}
