import type { Db } from '../../src/db/client.js';
import { postTransfer } from '../../src/ledger/ledger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';
import { type ConnectorDeps, connectJamf } from '../../src/services/connectors.js';
import {
  confirmPayment,
  type Payment,
  type ProviderReport,
  startPayment,
} from '../../src/services/payments/payments.js';
import type { PaymentProvider } from '../../src/services/payments/provider.js';
import type { FakeJamf } from './fake-jamf.js';

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

/** Connects an account to a fake Jamf Pro the way the `jamf_connect` modal would; throws on a refusal. */
export async function connectToFake(
  db: Db,
  deps: ConnectorDeps,
  fake: FakeJamf,
  input: { accountId: number; now: Date },
) {
  const result = await connectJamf(db, deps, {
    accountId: input.accountId,
    values: { url: fake.url, client_id: fake.clientId, client_secret: fake.clientSecret },
    actor: 'U1',
    now: input.now,
    timeZone: 'UTC',
  });
  if (!result.ok) throw new Error(`not connected: ${JSON.stringify(result.errors)}`);
  return result;
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

/** A card reload started (the Reload modal submitted by UADMIN1): pending, with its checkout. */
export function pendingReload(
  db: Db,
  provider: PaymentProvider,
  account: Account,
  amountCents: bigint,
  now: Date,
): Promise<Payment> {
  return pendingPayment(db, provider, account, amountCents, { now });
}

/** What the payment's own provider reports of it when nothing is amiss (the webhook's checks then pass). */
export function truthfulReport(payment: Payment): ProviderReport {
  return payment.provider === 'sandbox'
    ? { provider: 'sandbox' }
    : {
        provider: 'stripe',
        sessionId: payment.providerRef ?? '',
        amountCents: payment.amountCents,
        currency: payment.currency,
      };
}

/** A card reload started and confirmed by the provider (`intent`: its payment intent), the wallet credited. */
export async function paidReload(
  db: Db,
  provider: PaymentProvider,
  account: Account,
  amountCents: bigint,
  now: Date,
  intent: string | null = null,
): Promise<Payment> {
  const started = await pendingReload(db, provider, account, amountCents, now);
  const confirmed = await confirmPayment(db, started.id, {
    actor: 'evt_paid',
    providerPaymentRef: intent,
    report: truthfulReport(started),
    now,
  });
  if (confirmed.kind !== 'credited') throw new Error(`not credited: ${confirmed.kind}`);
  return confirmed.payment;
}
