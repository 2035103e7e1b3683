import { and, eq, sql } from 'drizzle-orm';
import { type Db, queryRows, toBigInt } from '../../db/client.js';
import { payments, refunds } from '../../db/schema.js';
import { CODE_ALPHABET, randomBase32 } from '../../domain/code-format.js';
import { InsufficientFundsError, postTransfer, reverseTransfer, walletBalance } from '../../ledger/ledger.js';
import type { CollectionsContext } from '../collections.js';
import { RequestConflictError, UserError } from '../errors.js';
import { requireWithinLimits } from '../limits.js';
import { type Settlement, settleOpenInvoices } from '../receivables.js';
import { customerFor } from './cards.js';
import type { PaymentProvider, RefundOutcome, RefundRequest } from './provider.js';

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;

/** `pay_` and 16 random Crockford characters (80 bits): payment ids appear in URLs, so they are not guessable. */
export function newPaymentId(): string {
  return `pay_${randomBase32(16)}`;
}

const PAYMENT_ID = new RegExp(`^pay_[${CODE_ALPHABET}]{16}$`);

/** Whether `text` has the exact form `newPaymentId` makes: anything else names no payment and is not looked up. */
export function isPaymentId(text: string): boolean {
  return PAYMENT_ID.test(text);
}

/**
 * What a provider's message says about a payment, checked against the stored row before anything is written
 * (SPEC §11). The sandbox is Balance's own checkout: it has nothing to report but its name.
 */
export type ProviderReport =
  | { provider: 'sandbox' }
  | { provider: 'stripe'; sessionId: string; amountCents: bigint | null; currency: string | null };

/** The fields in which a provider's report disagrees with the stored payment; none means it is this payment. */
export function disagreements(payment: Payment, report: ProviderReport): string[] {
  if (payment.provider !== report.provider) return ['provider'];
  if (report.provider === 'sandbox') return [];
  const fields: string[] = [];
  if (payment.providerRef !== report.sessionId) fields.push('session id');
  if (report.amountCents !== payment.amountCents) fields.push('amount');
  if (report.currency?.toUpperCase() !== payment.currency.toUpperCase()) fields.push('currency');
  return fields;
}

/**
 * Whether Balance's own (sandbox) checkout is past its end. Stripe enforces its sessions' expiry itself, and its
 * word is final: a Stripe payment is credited whenever Stripe says it was paid.
 */
export function sandboxCheckoutEnded(payment: Payment, now: Date): boolean {
  return payment.status === 'expired' || (payment.status === 'pending' && now >= payment.expiresAt);
}

export async function getPayment(db: Db, id: string): Promise<Payment | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  return row;
}

/**
 * Records a pending payment and asks the provider for its checkout page, if the amount is within the limits.
 * Idempotent on the modal's view id: a double submit by the same user for the same account and amount finds the same
 * payment (and the provider call carries the payment id as its idempotency key); a view id already used for another
 * user, account or amount is refused, writing nothing.
 */
export async function startPayment(
  db: Db,
  provider: PaymentProvider,
  input: {
    accountId: number;
    accountName: string;
    amountCents: bigint;
    currency: string;
    description: string | null;
    viewId: string;
    requestedBy: string;
    now: Date;
    /** The payer asked to keep the card for automatic reloads (SPEC §15). */
    saveCard?: boolean;
  },
): Promise<Payment> {
  requireWithinLimits(
    input.amountCents,
    input.currency,
    input.description ? `A reload of ${input.description}` : 'A reload',
  );
  if (provider.maxAmountCents !== undefined && input.amountCents > provider.maxAmountCents) {
    throw new UserError('That is more than a card payment can take. Ask sales for a balance code instead.');
  }
  const [created] = await db
    .insert(payments)
    .values({
      id: newPaymentId(),
      accountId: input.accountId,
      amountCents: input.amountCents,
      currency: input.currency,
      provider: provider.name,
      description: input.description,
      viewId: input.viewId,
      requestedBy: input.requestedBy,
      createdAt: input.now,
      expiresAt: input.now, // set from the provider's answer below
      saveCard: input.saveCard ?? false,
    })
    .onConflictDoNothing({ target: payments.viewId })
    .returning();
  const payment = created ?? (await db.select().from(payments).where(eq(payments.viewId, input.viewId)))[0]!;
  const same =
    payment.requestedBy === input.requestedBy &&
    payment.accountId === input.accountId &&
    payment.amountCents === input.amountCents &&
    payment.currency === input.currency;
  if (!same) {
    throw new RequestConflictError(
      'This Reload form was already used for another payment. Open Reload again to pay; nothing was charged.',
    );
  }
  if (payment.checkoutUrl) return payment;
  const account = { id: payment.accountId, name: input.accountName };
  const checkout = await provider.createCheckout({
    paymentId: payment.id,
    amountCents: payment.amountCents,
    currency: payment.currency,
    accountName: input.accountName,
    description: payment.description,
    now: input.now,
    saveCard: payment.saveCard,
    customerId: payment.saveCard ? await customerFor(db, provider, account, input.now) : null,
  });
  // Only while pending: recovery may have closed a payment whose checkout was never recorded (a crash right here).
  const [updated] = await db
    .update(payments)
    .set({ checkoutUrl: checkout.url, providerRef: checkout.providerRef, expiresAt: checkout.expiresAt })
    .where(and(eq(payments.id, payment.id), eq(payments.status, 'pending')))
    .returning();
  if (!updated) throw new CheckoutClosedError(payment.id);
  return updated;
}

/** A payment recovery closed before its checkout page was recorded: the reload has to start again. */
export class CheckoutClosedError extends UserError {
  constructor(paymentId: string) {
    super(`Payment ${paymentId} was closed before its checkout page was ready. Start the reload again.`);
  }
}

export type Confirmation =
  /** `balanceCents` is after `settlement`, which paid what the account owed first (SPEC §14). */
  | { kind: 'credited'; payment: Payment; balanceCents: bigint; settlement: Settlement }
  | { kind: 'already_paid'; payment: Payment }
  | { kind: 'cancelled'; payment: Payment }
  | { kind: 'expired'; payment: Payment }
  | { kind: 'mismatch'; payment: Payment; fields: string[] }
  | { kind: 'unknown' };

/**
 * The provider says the payment went through: the wallet is credited exactly once (key `reload:<payment id>`), and
 * in the same transaction the credit settles the account's open invoices, oldest first (SPEC §14). The payment row is
 * locked first, so duplicated and concurrent confirmations wait and then find it paid. A report that disagrees with
 * the payment (another session, amount or currency) writes nothing. Stripe's word is final: a payment it marked
 * expired earlier (events out of order) is still credited; the sandbox's ended checkout is not.
 */
export async function confirmPayment(
  db: Db,
  paymentId: string,
  input: CollectionsContext & { actor: string; providerPaymentRef?: string | null; report: ProviderReport },
): Promise<Confirmation> {
  return db.transaction(async (tx) => {
    const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update');
    if (!payment) return { kind: 'unknown' };
    const fields = disagreements(payment, input.report);
    if (fields.length > 0) return { kind: 'mismatch', payment, fields };
    if (payment.status === 'paid') return { kind: 'already_paid', payment };
    if (payment.status === 'cancelled') return { kind: 'cancelled', payment };
    if (input.report.provider === 'sandbox' && sandboxCheckoutEnded(payment, input.now)) {
      const [expired] = await tx
        .update(payments)
        .set({ status: 'expired' })
        .where(eq(payments.id, payment.id))
        .returning();
      return { kind: 'expired', payment: expired! };
    }
    const { transfer } = await postTransfer(tx, {
      key: `reload:${payment.id}`,
      from: { system: 'payments' },
      to: { wallet: payment.accountId },
      amount: payment.amountCents,
      actor: input.actor,
      memo: `Card reload ${payment.id}`,
      at: input.now,
    });
    const [paid] = await tx
      .update(payments)
      .set({
        status: 'paid',
        completedAt: input.now,
        transferId: transfer.id,
        providerPaymentRef: input.providerPaymentRef ?? payment.providerPaymentRef,
      })
      .where(eq(payments.id, payment.id))
      .returning();
    const settlement = await settleOpenInvoices(tx, payment.accountId, transfer.id, input);
    return { kind: 'credited', payment: paid!, balanceCents: settlement.balanceCents, settlement };
  });
}

export type Closing =
  | { kind: 'closed' | 'unchanged'; payment: Payment }
  | { kind: 'mismatch'; payment: Payment; fields: string[] }
  | { kind: 'unknown' };

/**
 * The checkout expired (Stripe) or was cancelled (sandbox): only a pending payment changes, and only when the
 * provider's report is about this payment.
 */
export async function closePayment(
  db: Db,
  paymentId: string,
  status: 'expired' | 'cancelled',
  report: ProviderReport,
): Promise<Closing> {
  return db.transaction(async (tx) => {
    const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update');
    if (!payment) return { kind: 'unknown' };
    const fields = disagreements(payment, report);
    if (fields.length > 0) return { kind: 'mismatch', payment, fields };
    if (payment.status !== 'pending') return { kind: 'unchanged', payment };
    const [closed] = await tx.update(payments).set({ status }).where(eq(payments.id, payment.id)).returning();
    return { kind: 'closed', payment: closed! };
  });
}

export async function refundedSoFar(db: Db, paymentId: string): Promise<bigint> {
  const [row] = await queryRows<{ total: unknown }>(
    db,
    sql`select coalesce(sum(amount_cents), 0) as total from refunds
        where payment_id = ${paymentId} and status in ('pending', 'succeeded')`,
  );
  return toBigInt(row?.total);
}

export interface RefundResult {
  refund: Refund;
  payment: Payment;
  remainingCents: bigint;
  balanceCents: bigint;
}

/**
 * Refunds part or all of a paid reload (SPEC §7). The reversing transfer is posted first, in a transaction that
 * locks the payment, and only if the wallet holds the amount; then the provider is asked. If the provider refuses,
 * the reversal is itself reversed, so the balance is whole again and nothing was refunded. If it gives no answer (a
 * timeout, a crash of this process), the refund stays pending until recovery asks the provider what became of it.
 */
export async function refundPayment(
  db: Db,
  provider: PaymentProvider,
  input: { paymentId: string; amountCents?: bigint; requestKey: string; actor: string } & CollectionsContext,
): Promise<RefundResult> {
  const refund = await reserveRefund(db, input);
  if (refund.status === 'pending') await settleRefund(db, provider, refund, input);
  const payment = (await getPayment(db, refund.paymentId))!;
  const [settled] = await db.select().from(refunds).where(eq(refunds.id, refund.id));
  return {
    refund: settled!,
    payment,
    remainingCents: payment.amountCents - (await refundedSoFar(db, payment.id)),
    balanceCents: await walletBalance(db, payment.accountId),
  };
}

async function reserveRefund(
  db: Db,
  input: { paymentId: string; amountCents?: bigint; requestKey: string; actor: string; now: Date },
): Promise<Refund> {
  return db.transaction(async (tx) => {
    // The payment's lock first: a twin of this request waits here, then finds the refund the first one made.
    const [payment] = await tx.select().from(payments).where(eq(payments.id, input.paymentId)).for('update');
    const [replay] = await tx.select().from(refunds).where(eq(refunds.requestKey, input.requestKey));
    if (replay) return sameRefund(replay, input);
    if (!payment) throw new UserError(`There is no payment ${input.paymentId}.`);
    if (payment.status !== 'paid')
      throw new UserError(`Payment ${payment.id} is ${payment.status}: only paid reloads can be refunded.`);
    const remaining = payment.amountCents - (await refundedSoFar(tx, payment.id));
    const amount = input.amountCents ?? remaining;
    if (remaining <= 0n) throw new UserError(`Payment ${payment.id} has been refunded in full.`);
    if (amount > remaining) throw new RefundTooLargeError(remaining);
    try {
      const { transfer } = await reverseTransfer(tx, {
        transferId: payment.transferId!,
        key: `refund:${input.requestKey}`,
        amount,
        actor: input.actor,
        memo: `Refund of card reload ${payment.id}`,
        at: input.now,
      });
      const [refund] = await tx
        .insert(refunds)
        .values({
          paymentId: payment.id,
          amountCents: amount,
          requestKey: input.requestKey,
          transferId: transfer.id,
          requestedBy: input.actor,
          createdAt: input.now,
        })
        .returning();
      return refund!;
    } catch (err) {
      if (err instanceof InsufficientFundsError) throw new RefundExceedsBalanceError(err.balance);
      throw err;
    }
  });
}

/**
 * The provider's view of a refund: the same key on the first call and on every recovery, so it refunds once. The
 * random payment id in it keeps keys apart across databases sharing one Stripe account (refund ids restart).
 */
export function refundRequest(refund: Refund, payment: Payment): RefundRequest {
  return {
    idempotencyKey: `refund:${payment.id}:${refund.id}`,
    paymentId: payment.id,
    providerPaymentRef: payment.providerPaymentRef,
    amountCents: refund.amountCents,
  };
}

/** A retried refund request finds its refund; the same request id for another payment, amount or user is refused. */
function sameRefund(
  replay: Refund,
  input: { paymentId: string; amountCents?: bigint; actor: string },
): Refund {
  const same =
    replay.paymentId === input.paymentId &&
    replay.requestedBy === input.actor &&
    (input.amountCents === undefined || input.amountCents === replay.amountCents);
  if (!same)
    throw new RequestConflictError('This request was already used for another refund. Nothing was refunded.');
  return replay;
}

async function settleRefund(db: Db, provider: PaymentProvider, refund: Refund, context: CollectionsContext) {
  const payment = (await getPayment(db, refund.paymentId))!;
  let outcome: RefundOutcome;
  try {
    outcome = await provider.refund(refundRequest(refund, payment));
  } catch (err) {
    throw new RefundPendingError(err instanceof Error ? err.message : String(err));
  }
  const settled = await applyRefundOutcome(db, refund.id, outcome, context);
  if (settled.status === 'failed') {
    throw new RefundRefusedError(outcome.kind === 'refused' ? outcome.reason : 'refused');
  }
}

/**
 * Applies the provider's answer to a pending refund, once: under the refund's row lock and only while it is
 * pending, so the command and a recovery (or two replicas recovering) that hold answers at the same moment settle it
 * one way. Refunded: the refund succeeded. Refused: the debit is reversed (its own key, `refund-failed:<id>`) and the
 * refund failed; the amount back on the wallet settles what was invoiced meanwhile, like any credit (SPEC §14).
 * Returns the refund as it stands.
 */
export async function applyRefundOutcome(
  db: Db,
  refundId: number,
  outcome: RefundOutcome,
  context: CollectionsContext,
): Promise<Refund> {
  return db.transaction(async (tx) => {
    const [refund] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
    if (!refund) throw new Error(`refund ${refundId} does not exist`);
    if (refund.status !== 'pending') return refund;
    if (outcome.kind === 'refused') {
      const restored = await reverseTransfer(tx, {
        transferId: refund.transferId,
        key: `refund-failed:${refund.id}`,
        actor: 'system',
        memo: `Refund ${refund.id} refused by the provider; balance restored`,
        at: context.now,
      });
      const { accountId } = (await getPayment(tx, refund.paymentId))!;
      await settleOpenInvoices(tx, accountId, restored.transfer.id, { ...context, actor: 'system' });
    }
    const [settled] = await tx
      .update(refunds)
      .set(
        outcome.kind === 'refunded'
          ? { status: 'succeeded', providerRef: outcome.providerRef }
          : { status: 'failed' },
      )
      .where(eq(refunds.id, refund.id))
      .returning();
    return settled!;
  });
}

export class RefundTooLargeError extends UserError {
  constructor(readonly remainingCents: bigint) {
    super('The refund is more than what is left of the payment.');
  }
}

export class RefundExceedsBalanceError extends UserError {
  constructor(readonly balanceCents: bigint) {
    super('The balance does not hold that much any more.');
  }
}

/** The provider gave no answer: the refund stays pending, and recovery settles or reverses it. */
export class RefundPendingError extends UserError {
  constructor(readonly reason: string) {
    super(
      'The payment provider did not answer, so the refund is pending: Balance asks the provider again within minutes and either completes it or puts the amount back on the balance.',
    );
  }
}

export class RefundRefusedError extends UserError {
  constructor(readonly reason: string) {
    super('The payment provider refused the refund; the balance is as it was.');
  }
}
