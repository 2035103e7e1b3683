import { randomBytes } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Db, queryRows, toBigInt } from '../../db/client.js';
import { payments, refunds } from '../../db/schema.js';
import { CODE_ALPHABET } from '../../domain/code-format.js';
import { InsufficientFundsError, postTransfer, reverseTransfer, walletBalance } from '../../ledger/ledger.js';
import type { CollectionsContext } from '../collections.js';
import { UserError } from '../errors.js';
import { type Settlement, settleOpenInvoices } from '../receivables.js';
import type { PaymentProvider } from './provider.js';

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;

/** `pay_` and 16 random Crockford characters (80 bits): payment ids appear in URLs, so they are not guessable. */
export function newPaymentId(): string {
  const bytes = randomBytes(16);
  return `pay_${Array.from(bytes, (b) => CODE_ALPHABET[b % 32]).join('')}`;
}

export async function getPayment(db: Db, id: string): Promise<Payment | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  return row;
}

/**
 * Records a pending payment and asks the provider for its checkout page. Idempotent on the modal's view id: a double
 * submit finds the same payment, and the provider call carries the payment id as its idempotency key.
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
  },
): Promise<Payment> {
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
    })
    .onConflictDoNothing({ target: payments.viewId })
    .returning();
  const payment = created ?? (await db.select().from(payments).where(eq(payments.viewId, input.viewId)))[0]!;
  if (payment.checkoutUrl) return payment;
  const checkout = await provider.createCheckout({
    paymentId: payment.id,
    amountCents: payment.amountCents,
    currency: payment.currency,
    accountName: input.accountName,
    description: payment.description,
    now: input.now,
  });
  const [updated] = await db
    .update(payments)
    .set({ checkoutUrl: checkout.url, providerRef: checkout.providerRef, expiresAt: checkout.expiresAt })
    .where(eq(payments.id, payment.id))
    .returning();
  return updated!;
}

export type Confirmation =
  /** `balanceCents` is after `settlement`, which paid what the account owed first (SPEC §14). */
  | { kind: 'credited'; payment: Payment; balanceCents: bigint; settlement: Settlement }
  | { kind: 'already_paid'; payment: Payment }
  | { kind: 'cancelled'; payment: Payment }
  | { kind: 'unknown' };

/**
 * The provider says the payment went through: the wallet is credited exactly once (key `reload:<payment id>`), and
 * in the same transaction the credit settles the account's open invoices, oldest first (SPEC §14). The payment row is
 * locked first, so duplicated and concurrent confirmations wait and then find it paid. The provider's word is final:
 * a payment it marked expired earlier (events out of order) is still credited.
 */
export async function confirmPayment(
  db: Db,
  paymentId: string,
  input: CollectionsContext & { actor: string; providerPaymentRef?: string | null },
): Promise<Confirmation> {
  return db.transaction(async (tx) => {
    const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update');
    if (!payment) return { kind: 'unknown' };
    if (payment.status === 'paid') return { kind: 'already_paid', payment };
    if (payment.status === 'cancelled') return { kind: 'cancelled', payment };
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

/** The checkout expired (Stripe) or was cancelled (sandbox): only a pending payment changes. */
export async function closePayment(
  db: Db,
  paymentId: string,
  status: 'expired' | 'cancelled',
): Promise<Payment | undefined> {
  const [row] = await db
    .update(payments)
    .set({ status })
    .where(and(eq(payments.id, paymentId), eq(payments.status, 'pending')))
    .returning();
  return row ?? (await getPayment(db, paymentId));
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
 * the reversal is itself reversed, so the balance is whole again and nothing was refunded.
 */
export async function refundPayment(
  db: Db,
  provider: PaymentProvider,
  input: { paymentId: string; amountCents?: bigint; requestKey: string; actor: string; now: Date },
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
    const [replay] = await tx.select().from(refunds).where(eq(refunds.requestKey, input.requestKey));
    if (replay) return replay;
    const [payment] = await tx.select().from(payments).where(eq(payments.id, input.paymentId)).for('update');
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

async function settleRefund(
  db: Db,
  provider: PaymentProvider,
  refund: Refund,
  input: { actor: string; now: Date },
) {
  const payment = (await getPayment(db, refund.paymentId))!;
  try {
    const { providerRef } = await provider.refund({
      providerPaymentRef: payment.providerPaymentRef,
      amountCents: refund.amountCents,
      idempotencyKey: `refund:${refund.id}`,
    });
    await db.update(refunds).set({ status: 'succeeded', providerRef }).where(eq(refunds.id, refund.id));
  } catch (err) {
    await db.transaction(async (tx) => {
      await reverseTransfer(tx, {
        transferId: refund.transferId,
        key: `refund-failed:${refund.id}`,
        actor: 'system',
        memo: `Refund ${refund.id} refused by the provider; balance restored`,
        at: input.now,
      });
      await tx
        .update(refunds)
        .set({ status: 'failed' })
        .where(and(eq(refunds.id, refund.id), inArray(refunds.status, ['pending'])));
    });
    throw new RefundRefusedError(err instanceof Error ? err.message : String(err));
  }
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

export class RefundRefusedError extends UserError {
  constructor(readonly reason: string) {
    super('The payment provider refused the refund; the balance is as it was.');
  }
}
