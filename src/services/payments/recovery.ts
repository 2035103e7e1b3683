import { and, asc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { payments, refunds } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import type { CollectionsContext } from '../collections.js';
import { applyRefundOutcome, getPayment, type Refund, refundRequest } from './payments.js';
import type { PaymentProvider, RefundOutcome } from './provider.js';

/**
 * A refund younger than this may still have its provider call in flight in the process that made it (the Stripe
 * client gives up after 3 tries of 10 s): recovery leaves it to that process.
 */
export const REFUND_GRACE_MS = 2 * 60_000;

/**
 * How long after its checkout link lapses a pending payment is closed. A payment whose checkout was never recorded
 * (the process died during the provider call) carries its creation time as `expires_at`, so it is closed this long
 * after it was started: long enough for the payer to submit the same modal again and get its link.
 */
export const PAYMENT_CLOSE_GRACE_MS = 60 * 60_000;

export interface RecoveryResult {
  /** Refunds resolved: `succeeded` (the provider had made them) or `failed` (it had not, or refused: debit reversed). */
  resolved: Refund[];
  /** Refunds the provider could not answer for this time: still pending, tried again on the next run. */
  unresolved: number;
  /** Pending payments past their checkout's lifetime, or whose checkout was never recorded: marked expired. */
  expiredPayments: number;
}

/**
 * Finishes or undoes the two-step money moves a crash can interrupt (SPEC §11), at start and from the jobs. Safe to
 * run on several replicas at once: each answer is applied under the refund's row lock, once.
 */
export async function recoverMoneyMoves(
  db: Db,
  provider: PaymentProvider,
  input: CollectionsContext & { logger: Logger; limit?: number },
): Promise<RecoveryResult> {
  const { now, logger } = input;
  const result: RecoveryResult = { resolved: [], unresolved: 0, expiredPayments: 0 };
  const stuck = await db
    .select()
    .from(refunds)
    .where(
      and(eq(refunds.status, 'pending'), lt(refunds.createdAt, new Date(now.getTime() - REFUND_GRACE_MS))),
    )
    .orderBy(asc(refunds.createdAt))
    .limit(input.limit ?? 100);
  for (const refund of stuck) {
    try {
      const resolved = await resolveRefund(db, provider, refund, input);
      if (resolved.status !== 'pending') result.resolved.push(resolved);
      logger.info(`recovery: refund ${refund.id} of payment ${refund.paymentId} is ${resolved.status}`);
    } catch (err) {
      result.unresolved++;
      logger.warn(`recovery: refund ${refund.id} still pending: ${err instanceof Error ? err.message : err}`);
    }
  }
  result.expiredPayments = await expireLapsedPayments(db, now);
  return result;
}

/**
 * Asks the provider what became of a pending refund and applies its answer. Found: as the provider says. Not found
 * while the refund's key is still kept: asked again with the same key, which refunds at most once (the first call,
 * had it arrived, answers now; if it never arrived, the refund finance asked for is made now). Not found after that:
 * it never happened, and the debit is reversed.
 */
export async function resolveRefund(
  db: Db,
  provider: PaymentProvider,
  refund: Refund,
  context: CollectionsContext,
): Promise<Refund> {
  const { now } = context;
  const payment = (await getPayment(db, refund.paymentId))!;
  if (payment.provider !== provider.name) {
    throw new Error(`payment ${payment.id} was made with ${payment.provider}, not ${provider.name}`);
  }
  const request = refundRequest(refund, payment);
  const keyKept = now.getTime() - refund.createdAt.getTime() < provider.keyLifetimeMs;
  const outcome: RefundOutcome =
    (await provider.findRefund(request)) ??
    (keyKept
      ? await provider.refund(request)
      : { kind: 'refused', reason: 'the provider has no record of it' });
  return applyRefundOutcome(db, refund.id, outcome, context);
}

async function expireLapsedPayments(db: Db, now: Date): Promise<number> {
  const closed = await db
    .update(payments)
    .set({ status: 'expired' })
    .where(
      and(
        eq(payments.status, 'pending'),
        lt(payments.expiresAt, new Date(now.getTime() - PAYMENT_CLOSE_GRACE_MS)),
      ),
    )
    .returning({ id: payments.id });
  return closed.length;
}
