/** What Balance needs of a card payment provider (SPEC §7): a checkout page, refunds, and their fate after a crash. */
export interface CheckoutRequest {
  paymentId: string;
  amountCents: bigint;
  currency: string;
  accountName: string;
  description: string | null;
  now: Date;
}

export interface Checkout {
  url: string;
  /** The provider's id of the checkout (Stripe: the Checkout Session id). */
  providerRef: string;
  /** When the checkout link stops working. */
  expiresAt: Date;
}

/** One refund as the provider is asked for it: its key makes the provider refund once however often it is asked. */
export interface RefundRequest {
  idempotencyKey: string;
  paymentId: string;
  providerPaymentRef: string | null;
  amountCents: bigint;
}

/**
 * What the provider did with a refund: made it, or refused it (nothing was refunded). An answer it could not give
 * (a timeout, a 5xx, a conflicting request in flight) is thrown instead: the refund is then not known either way.
 */
export type RefundOutcome = { kind: 'refunded'; providerRef: string } | { kind: 'refused'; reason: string };

export interface PaymentProvider {
  readonly name: 'stripe' | 'sandbox';
  /** The largest amount the provider takes in one payment, if it has a limit. */
  readonly maxAmountCents?: bigint;
  /** How long the provider remembers a key: within it, asking again with the same key refunds at most once. */
  readonly refundKeyLifetimeMs: number;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Refunds part or all of a confirmed payment. */
  refund(request: RefundRequest): Promise<RefundOutcome>;
  /** Recovery: what became of a refund asked earlier with this key; undefined when the provider has no record of it. */
  findRefund(request: RefundRequest): Promise<RefundOutcome | undefined>;
}

/** Stripe keeps an idempotency key at least 24 hours (docs.stripe.com/api/idempotent_requests); an hour less here,
 * for clocks that disagree. */
export const REFUND_KEY_LIFETIME_MS = 23 * 60 * 60 * 1000;

/** Sandbox checkout links last as long as Stripe's default Checkout Session. */
export const CHECKOUT_LIFETIME_MS = 24 * 60 * 60 * 1000;
