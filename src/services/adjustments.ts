import type { Db } from '../db/client.js';
import { IdempotencyConflictError, postTransfer, type Transfer } from '../ledger/ledger.js';
import { AlreadyDoneError, RequestConflictError } from './errors.js';
import { requireWithinLimits } from './limits.js';

export interface AdjustmentRequest {
  accountId: number;
  /** Added to the balance (`credit`) or taken from it (`debit`). */
  direction: 'credit' | 'debit';
  amountCents: bigint;
  currency: string;
  reason: string;
  /** The request that asks (Slack trigger id): the transfer's key is `adjust:<request id>`. */
  requestId: string;
  actor: string;
  now: Date;
}

/**
 * Posts an adjustment (SPEC §2, §4): a credit from, or a debit to, the adjustments account, within the amount limits.
 * A replayed request posts nothing and gets AlreadyDoneError; the same request id with another account, amount,
 * direction, user or reason is refused. A debit larger than the balance throws InsufficientFundsError.
 */
export async function postAdjustment(db: Db, input: AdjustmentRequest): Promise<Transfer> {
  requireWithinLimits(input.amountCents, input.currency, 'An adjustment');
  const wallet = { wallet: input.accountId };
  const adjustments = { system: 'adjustments' as const };
  const memo = `Adjustment: ${input.reason}`;
  const conflict = () =>
    new RequestConflictError('This request was already used for another adjustment. Nothing was posted.');
  try {
    const { transfer, replayed } = await postTransfer(db, {
      key: `adjust:${input.requestId}`,
      from: input.direction === 'credit' ? adjustments : wallet,
      to: input.direction === 'credit' ? wallet : adjustments,
      amount: input.amountCents,
      actor: input.actor,
      memo,
      at: input.now,
    });
    if (!replayed) return transfer;
    if (transfer.actor !== input.actor || transfer.memo !== memo) throw conflict();
    throw new AlreadyDoneError(
      'This adjustment was already posted for this request. Nothing new was posted.',
    );
  } catch (err) {
    if (err instanceof IdempotencyConflictError) throw conflict();
    throw err;
  }
}
