import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../src/db/client.js';
import { invoices } from '../../src/db/schema.js';
import { formatInvoiceNumber } from '../../src/domain/invoice.js';
import { postTransfer } from '../../src/ledger/ledger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';
import { type ConnectorDeps, connectJamf } from '../../src/services/connectors.js';
import { recordReading } from '../../src/services/devices.js';
import {
  confirmPayment,
  type Payment,
  type ProviderReport,
  startPayment,
} from '../../src/services/payments/payments.js';
import type { PaymentProvider } from '../../src/services/payments/provider.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
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
    timeZone: 'UTC',
  });
  if (confirmed.kind !== 'credited') throw new Error(`not credited: ${confirmed.kind}`);
  return confirmed.payment;
}

/**
 * An invoice of `amountDue` left unpaid, written as the invoice run writes one (its amount-due transfer from the
 * receivable, the outstanding amount equal to it), for tests of collections that need no whole run.
 */
export async function owe(
  db: Db,
  accountId: number,
  amountDue: bigint,
  input: { month: string; issueDate: string; dueDate: string },
) {
  const year = input.month.slice(0, 4);
  const [seq] = await queryRows<{ last: unknown }>(
    db,
    sql`insert into number_sequences (scope, last) values (${`invoice:${year}`}, 1)
        on conflict (scope) do update set last = number_sequences.last + 1 returning last`,
  );
  const { transfer } = await postTransfer(db, {
    key: `due:${accountId}:${input.month}`,
    from: { receivable: accountId },
    to: { system: 'usage_revenue' },
    amount: amountDue,
    actor: 'system',
    memo: `Amount due ${input.month}`,
  });
  const [invoice] = await db
    .insert(invoices)
    .values({
      number: formatInvoiceNumber(year, Number(seq!.last)),
      accountId,
      month: input.month,
      planCode: 'standard',
      // One device at the amount due, none of it paid from the balance.
      unitPriceCents: amountDue,
      billedDevices: 1,
      coveredDevices: 0,
      billableDevices: 1,
      chargeCents: amountDue,
      paidFromBalanceCents: 0n,
      amountDueCents: amountDue,
      issueDate: input.issueDate,
      dueDate: input.dueDate,
      outstandingCents: amountDue,
      status: 'due',
      dueTransferId: transfer.id,
      runId: 0,
      createdAt: new Date(`${input.issueDate}T09:00:00Z`),
    })
    .returning();
  return invoice!;
}

/** A card reload through the sandbox provider, confirmed the way its page confirms it (credit, then settlement). */
export async function reloadNow(
  db: Db,
  accountId: number,
  amountCents: bigint,
  context: { now: Date; timeZone: string; financeChannel?: string },
) {
  const payment = await pendingPayment(
    db,
    sandboxProvider(() => 'http://localhost', db),
    { id: accountId, name: 'test' },
    amountCents,
    { now: context.now, viewId: `V${randomBytes(6).toString('hex')}`, requestedBy: 'UADMIN' },
  );
  return confirmPayment(db, payment.id, {
    actor: `sandbox:${payment.id}`,
    report: { provider: 'sandbox' },
    ...context,
  });
}

/** A promise the test resolves when it chooses: `open()` lets whatever awaits `closed` go on. */
export function gate(): { closed: Promise<void>; open: () => void } {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { closed, open };
}

/** An account billed `devices` devices a month (on Standard, from November 2026, unless told), holding `funded`. */
export async function billedAccount(
  db: Db,
  name: string,
  devices: number,
  funded = 0n,
  options: { month?: string; planCode?: string } = {},
) {
  const { month = '2026-11', planCode = 'standard' } = options;
  const account = await createAccount(db, {
    name,
    planCode,
    actor: 'U1',
    at: new Date(`${month}-01T00:00:00Z`),
  });
  await recordReading(db, {
    accountId: account.id,
    count: devices,
    at: new Date(`${month}-02T00:00:00Z`),
    by: 'U1',
  });
  if (funded > 0n) await fund(db, account.id, funded);
  return account;
}
