import type { Db } from '../db/client.js';
import { type Posted, postTransfer, walletBalance } from '../ledger/ledger.js';
import type { CollectionsContext } from './collections.js';
import { type Settlement, settlementOf, settleOpenInvoices } from './receivables.js';

export interface Adjusted extends Posted {
  /** The wallet after the adjustment (and after what a credit settled). */
  balanceCents: bigint;
  /** What a credit settled of the account's open invoices (SPEC §14); null for a debit. */
  settlement: Settlement | null;
}

/**
 * A finance adjustment (SPEC §4 `adjust`): a credit from, or a debit to, the adjustments account, under the key
 * `adjust:<request key>` so a retried request posts once. A credit settles the account's open invoices in the same
 * transaction; a replayed credit settles nothing new and answers with what the first one settled. A debit larger
 * than the balance is refused (InsufficientFundsError), writing nothing.
 */
export async function adjustBalance(
  db: Db,
  input: CollectionsContext & {
    accountId: number;
    direction: 'credit' | 'debit';
    amountCents: bigint;
    reason: string;
    actor: string;
    requestKey: string;
  },
): Promise<Adjusted> {
  const wallet = { wallet: input.accountId };
  const adjustments = { system: 'adjustments' as const };
  const credit = input.direction === 'credit';
  return db.transaction(async (tx) => {
    const posted = await postTransfer(tx, {
      key: `adjust:${input.requestKey}`,
      from: credit ? adjustments : wallet,
      to: credit ? wallet : adjustments,
      amount: input.amountCents,
      actor: input.actor,
      memo: `Adjustment: ${input.reason}`,
      at: input.now,
    });
    if (!credit)
      return { ...posted, balanceCents: await walletBalance(tx, input.accountId), settlement: null };
    const settlement = posted.replayed
      ? await settlementOf(tx, input.accountId, posted.transfer.id)
      : await settleOpenInvoices(tx, input.accountId, posted.transfer.id, input);
    return { ...posted, balanceCents: settlement.balanceCents, settlement };
  });
}
