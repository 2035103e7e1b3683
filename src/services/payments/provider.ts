/** What Balance needs of a card payment provider (SPEC §7): a checkout page, refunds, and their fate after a crash. */
export interface CheckoutRequest {
  paymentId: string;
  amountCents: bigint;
  currency: string;
  accountName: string;
  description: string | null;
  now: Date;
  /** SPEC §15: the provider's customer of the account, and whether the payer asked to keep the card. */
  customerId?: string | null;
  saveCard?: boolean;
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

/** A card kept by the provider, as Balance stores it: references and what a person recognises, never the number. */
export interface CardOnFile {
  customerId: string;
  paymentMethodId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

/** One off-session charge of a saved card (SPEC §15); its key makes the provider charge once however often asked. */
export interface OffSessionCharge {
  idempotencyKey: string;
  paymentId: string;
  customerId: string;
  paymentMethodId: string;
  amountCents: bigint;
  currency: string;
  description: string;
}

/**
 * What the provider did with an off-session charge. `processing`: accepted, the outcome comes later (webhook or
 * recovery). A missing answer (timeout, 5xx, a twin request in flight) is thrown: the charge is then not known.
 */
export type ChargeOutcome =
  | { kind: 'succeeded'; providerRef: string; amountCents: bigint; currency: string }
  | { kind: 'processing'; providerRef: string }
  | { kind: 'declined'; providerRef: string | null; code: string; reason: string };

export interface PaymentProvider {
  readonly name: 'stripe' | 'sandbox';
  /** The largest amount the provider takes in one payment, if it has a limit. */
  readonly maxAmountCents?: bigint;
  /** How long the provider remembers a key: within it, asking again with the same key refunds (or charges) at most once. */
  readonly keyLifetimeMs: number;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Refunds part or all of a confirmed payment. */
  refund(request: RefundRequest): Promise<RefundOutcome>;
  /** Recovery: what became of a refund asked earlier with this key; undefined when the provider has no record of it. */
  findRefund(request: RefundRequest): Promise<RefundOutcome | undefined>;
  /** The account's customer, created once however often asked with this key (SPEC §15). */
  createCustomer(input: { idempotencyKey: string; accountName: string }): Promise<string>;
  /** The card a completed checkout saved (Stripe: the payment method of its payment intent); undefined if none. */
  savedCardOf(providerPaymentRef: string): Promise<CardOnFile | undefined>;
  /** Forgets a saved card at the provider (Stripe: detaches the payment method); one already gone counts as done. */
  detachCard(paymentMethodId: string): Promise<void>;
  /** Charges the saved card without the payer (Stripe: a PaymentIntent with `off_session`, `confirm`). */
  chargeOffSession(request: OffSessionCharge): Promise<ChargeOutcome>;
  /** Recovery: what became of a charge asked earlier with this key; undefined when the provider has no record of it. */
  findCharge(request: OffSessionCharge): Promise<ChargeOutcome | undefined>;
}

/** Stripe keeps an idempotency key at least 24 hours (docs.stripe.com/api/idempotent_requests); an hour less here,
 * for clocks that disagree. */
export const KEY_LIFETIME_MS = 23 * 60 * 60 * 1000;

/** Sandbox checkout links last as long as Stripe's default Checkout Session. */
export const CHECKOUT_LIFETIME_MS = 24 * 60 * 60 * 1000;
