import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { sandboxCharges, sandboxRefunds } from '../../db/schema.js';
import {
  type CardOnFile,
  CHECKOUT_LIFETIME_MS,
  type ChargeOutcome,
  KEY_LIFETIME_MS,
  type OffSessionCharge,
  type PaymentProvider,
  type RefundOutcome,
  type RefundRequest,
} from './provider.js';

/** The sandbox page's test cards (SPEC §15): both pay now; `declines` declines every off-session charge, as
 * Stripe's test card 4000 0000 0000 0341 does. */
export const SANDBOX_TEST_CARDS = ['succeeds', 'declines'] as const;
export type SandboxTestCard = (typeof SANDBOX_TEST_CARDS)[number];

const SANDBOX_CARD_LAST4: Record<SandboxTestCard, string> = { succeeds: '4242', declines: '0341' };

/** The card a sandbox checkout saves for an account's customer. */
export function sandboxCard(customerId: string, card: SandboxTestCard, now: Date): CardOnFile {
  return {
    customerId,
    paymentMethodId: `sandbox_pm_${card}`,
    brand: 'visa',
    last4: SANDBOX_CARD_LAST4[card],
    expMonth: 12,
    expYear: now.getUTCFullYear() + 4,
  };
}

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
  const findCharge = async (request: OffSessionCharge): Promise<ChargeOutcome | undefined> => {
    const [row] = await db
      .select()
      .from(sandboxCharges)
      .where(eq(sandboxCharges.idempotencyKey, request.idempotencyKey));
    if (!row) return undefined;
    const providerRef = `sandbox_pi_${row.idempotencyKey}`;
    if (row.amountCents !== request.amountCents || row.paymentMethodId !== request.paymentMethodId)
      return {
        kind: 'declined',
        providerRef,
        code: 'idempotency_error',
        reason: 'key used for another charge',
      };
    return row.outcome === 'succeeded'
      ? { kind: 'succeeded', providerRef, amountCents: row.amountCents, currency: request.currency }
      : { kind: 'declined', providerRef, code: 'card_declined', reason: 'Your card was declined.' };
  };
  return {
    name: 'sandbox',
    keyLifetimeMs: KEY_LIFETIME_MS,
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
    createCustomer: async ({ idempotencyKey }) => `sandbox_cus_${idempotencyKey}`,
    /** The sandbox page saves the card it was given itself (`sandboxCard`): there is nothing to read back. */
    savedCardOf: async () => undefined,
    // A sandbox card lives only in Balance's own saved_cards row: there is nothing to detach.
    detachCard: async () => {},
    /** Answers at once, as its own record: the `declines` card declines, any other saved card pays. */
    async chargeOffSession(request) {
      await db
        .insert(sandboxCharges)
        .values({
          idempotencyKey: request.idempotencyKey,
          paymentMethodId: request.paymentMethodId,
          amountCents: request.amountCents,
          outcome: request.paymentMethodId === 'sandbox_pm_declines' ? 'declined' : 'succeeded',
        })
        .onConflictDoNothing();
      return (await findCharge(request))!;
    },
    findCharge,
  };
}
