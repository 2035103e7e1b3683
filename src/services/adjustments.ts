import type { Db } from '../db/client.js';
import { IdempotencyConflictError, type Posted, postTransfer, walletBalance } from '../ledger/ledger.js';
import type { CollectionsContext } from './collections.js';
import { AlreadyDoneError, RequestConflictError } from './errors.js';
import { requireWithinLimits } from './limits.js';
import { type Settlement, settleOpenInvoices } from './receivables.js';

export interface AdjustmentRequest extends CollectionsContext {
  accountId: number;
  /** Added to the balance (`credit`) or taken from it (`debit`). */
  direction: 'credit' | 'debit';
  amountCents: bigint;
  currency: string;
  reason: string;
  /** The request that asks (Slack trigger id): the transfer's key is `adjust:<request id>`. */
  requestId: string;
  actor: string;
}

export interface Adjusted extends Posted {
  /** The wallet after the adjustment (and after what a credit settled). */
  balanceCents: bigint;
  /** What a credit settled of the account's open invoices (SPEC §14); null for a debit. */
  settlement: Settlement | null;
}

/**
 * Posts an adjustment (SPEC §2, §4): a credit from, or a debit to, the adjustments account, within the amount limits.
 * A credit settles the account's open invoices in the same transaction (SPEC §14). A replayed request posts nothing
 * and gets AlreadyDoneError; the same request id with another account, amount, direction, user or reason is refused.
 * A debit larger than the balance throws InsufficientFundsError, writing nothing.
 */
export async function postAdjustment(db: Db, input: AdjustmentRequest): Promise<Adjusted> {
  requireWithinLimits(input.amountCents, input.currency, 'An adjustment');
  const wallet = { wallet: input.accountId };
  const adjustments = { system: 'adjustments' as const };
  const credit = input.direction === 'credit';
  const memo = `Adjustment: ${input.reason}`;
  const conflict = () =>
    new RequestConflictError('This request was already used for another adjustment. Nothing was posted.');
  try {
    return await db.transaction(async (tx) => {
      const posted = await postTransfer(tx, {
        key: `adjust:${input.requestId}`,
        from: credit ? adjustments : wallet,
        to: credit ? wallet : adjustments,
        amount: input.amountCents,
        actor: input.actor,
        memo,
        at: input.now,
      });
      if (posted.replayed) {
        if (posted.transfer.actor !== input.actor || posted.transfer.memo !== memo) throw conflict();
        throw new AlreadyDoneError(
          'This adjustment was already posted for this request. Nothing new was posted.',
        );
      }
      if (!credit)
        return { ...posted, balanceCents: await walletBalance(tx, input.accountId), settlement: null };
      const settlement = await settleOpenInvoices(tx, input.accountId, posted.transfer.id, input);
      return { ...posted, balanceCents: settlement.balanceCents, settlement };
    });
  } catch (err) {
    if (err instanceof IdempotencyConflictError) throw conflict();
    throw err;
  }
}
