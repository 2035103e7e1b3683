import type { Db } from '../../src/db/client.js';
import { postTransfer } from '../../src/ledger/ledger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';
import { type Payment, startPayment } from '../../src/services/payments/payments.js';
import type { PaymentProvider } from '../../src/services/payments/provider.js';

let serial = 0;

export async function makeAccount(
  db: Db,
  name = `Acme ${++serial}`,
  planCode = 'standard',
): Promise<Account> {
  return createAccount(db, { name, planCode, actor: 'U0OWNER' });
}

/** Puts money in a wallet the way a card payment would. */
export async function fund(
  db: Db,
  accountId: number,
  amount: bigint,
  key = `test-fund:${accountId}:${++serial}`,
) {
  return postTransfer(db, {
    key,
    from: { system: 'payments' },
    to: { wallet: accountId },
    amount,
    actor: 'test',
    memo: 'test funding',
  });
}

/** Takes money out of a wallet the way a month's usage would. */
export async function spend(db: Db, accountId: number, amount: bigint, key: string) {
  return postTransfer(db, {
    key,
    from: { wallet: accountId },
    to: { system: 'usage_revenue' },
    amount,
    actor: 'system',
    memo: 'usage',
  });
}

let views = 0;

/** A pending card payment of an account, as the Reload modal's Continue to payment records it. */
export function pendingPayment(
  db: Db,
  provider: PaymentProvider,
  account: Pick<Account, 'id' | 'name'>,
  amountCents: bigint,
  options: { now?: Date; viewId?: string; requestedBy?: string } = {},
): Promise<Payment> {
  return startPayment(db, provider, {
    accountId: account.id,
    accountName: account.name,
    amountCents,
    currency: 'USD',
    description: null,
    viewId: options.viewId ?? `VPENDING${++views}`,
    requestedBy: options.requestedBy ?? 'UADMIN1',
    now: options.now ?? new Date(),
  });
}
