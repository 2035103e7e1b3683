import { walletBalance } from '../ledger/ledger.js';
import { getAccount } from '../services/accounts.js';
import { getPayment, type Refund } from '../services/payments/payments.js';
import { balanceChanged } from './balance-changed.js';
import type { Deps } from './types.js';
import { formatOf } from './view-mappers.js';
import type { MessageModel } from './views.js';

/**
 * After recovery resolved refunds a crash or a silent provider left pending: whoever asked learns how each ended
 * (once per refund, however many replicas resolved it), and a balance given back is re-checked and republished.
 */
export async function announceResolvedRefunds(deps: Deps, resolved: Refund[]): Promise<void> {
  for (const refund of resolved) {
    if (refund.status === 'pending') continue;
    const payment = (await getPayment(deps.db, refund.paymentId))!;
    const account = (await getAccount(deps.db, payment.accountId))!;
    const message: MessageModel = {
      kind: 'refund_resolved',
      model: {
        format: formatOf(deps),
        accountName: account.name,
        paymentId: payment.id,
        amountCents: refund.amountCents,
        status: refund.status,
        balanceCents: await walletBalance(deps.db, account.id),
      },
    };
    await deps.notifier.postMessage(refund.requestedBy, message, `refund-resolved:${refund.id}`);
    if (refund.status === 'failed') balanceChanged(deps, account.id);
  }
}
