/** What Balance needs of a card payment provider (SPEC §7): a checkout page, and refunds. */
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

export interface PaymentProvider {
  readonly name: 'stripe' | 'sandbox';
  /** The largest amount the provider takes in one payment, if it has a limit. */
  readonly maxAmountCents?: bigint;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Refunds part or all of a confirmed payment; the key makes a retried call refund once. */
  refund(input: {
    providerPaymentRef: string | null;
    amountCents: bigint;
    idempotencyKey: string;
  }): Promise<{ providerRef: string }>;
}

/** Sandbox checkout links last as long as Stripe's default Checkout Session. */
export const CHECKOUT_LIFETIME_MS = 24 * 60 * 60 * 1000;
