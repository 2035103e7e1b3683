import { CHECKOUT_LIFETIME_MS, type PaymentProvider } from './provider.js';

/**
 * The default provider without Stripe keys: its checkout is Balance's own page `/pay/sandbox/<id>`, whose Pay
 * button goes through the same confirmation path as Stripe's webhook. No money moves.
 */
export function sandboxProvider(publicUrl: () => string): PaymentProvider {
  return {
    name: 'sandbox',
    createCheckout: async ({ paymentId, now }) => ({
      url: `${publicUrl()}/pay/sandbox/${encodeURIComponent(paymentId)}`,
      providerRef: `sandbox_${paymentId}`,
      expiresAt: new Date(now.getTime() + CHECKOUT_LIFETIME_MS),
    }),
    refund: async ({ idempotencyKey }) => ({ providerRef: `sandbox_refund_${idempotencyKey}` }),
  };
}
