import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { sandboxRefunds } from '../../db/schema.js';
import {
  CHECKOUT_LIFETIME_MS,
  type PaymentProvider,
  REFUND_KEY_LIFETIME_MS,
  type RefundOutcome,
  type RefundRequest,
} from './provider.js';

/**
 * The default provider without Stripe keys: its checkout is Balance's own page `/pay/sandbox/<id>`, whose Pay
 * button goes through the same confirmation path as Stripe's webhook. No money moves; its refunds are rows of its
 * own (`sandbox_refunds`, one per key, written in their own statement as a provider's would be), so recovery can
 * ask it what it did, as it asks Stripe.
 */
export function sandboxProvider(publicUrl: () => string, db: Db): PaymentProvider {
  const findRefund = async (request: RefundRequest): Promise<RefundOutcome | undefined> => {
    const [row] = await db
      .select()
      .from(sandboxRefunds)
      .where(eq(sandboxRefunds.idempotencyKey, request.idempotencyKey));
    if (!row) return undefined;
    return row.amountCents === request.amountCents && row.paymentId === request.paymentId
      ? { kind: 'refunded', providerRef: `sandbox_refund_${row.idempotencyKey}` }
      : { kind: 'refused', reason: `key ${row.idempotencyKey} was used for another refund` };
  };
  return {
    name: 'sandbox',
    refundKeyLifetimeMs: REFUND_KEY_LIFETIME_MS,
    createCheckout: async ({ paymentId, now }) => ({
      url: `${publicUrl()}/pay/sandbox/${encodeURIComponent(paymentId)}`,
      providerRef: `sandbox_${paymentId}`,
      expiresAt: new Date(now.getTime() + CHECKOUT_LIFETIME_MS),
    }),
    async refund(request) {
      await db
        .insert(sandboxRefunds)
        .values({
          idempotencyKey: request.idempotencyKey,
          paymentId: request.paymentId,
          amountCents: request.amountCents,
        })
        .onConflictDoNothing();
      return (await findRefund(request))!;
    },
    findRefund,
  };
}
