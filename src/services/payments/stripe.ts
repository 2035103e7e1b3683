import Stripe from 'stripe';
import type { PaymentProvider } from './provider.js';

/** Stripe takes at most 99,999,999 minor units in one payment (e.g. $999,999.99). */
const STRIPE_MAX_AMOUNT = 99_999_999n;

export function createStripeClient(secretKey: string): Stripe {
  return new Stripe(secretKey, { maxNetworkRetries: 2, timeout: 10_000 });
}

/**
 * Stripe Checkout (mode `payment`): one line item of the amount, the payment id in metadata, return pages under
 * PUBLIC_URL. Every call carries an idempotency key, so a retried submit creates one session and one refund.
 */
export function stripeProvider(stripe: Stripe, publicUrl: () => string): PaymentProvider {
  return {
    name: 'stripe',
    maxAmountCents: STRIPE_MAX_AMOUNT,
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
    async refund({ providerPaymentRef, amountCents, idempotencyKey }) {
      if (!providerPaymentRef) throw new Error('the payment has no Stripe payment intent to refund');
      const refund = await stripe.refunds.create(
        { payment_intent: providerPaymentRef, amount: Number(amountCents) },
        { idempotencyKey },
      );
      return { providerRef: refund.id };
    },
  };
}
