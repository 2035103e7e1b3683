import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../src/db/client.js';
import { invoices } from '../../src/db/schema.js';
import { formatInvoiceNumber } from '../../src/domain/invoice.js';
import { postTransfer } from '../../src/ledger/ledger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';
import { recordReading } from '../../src/services/devices.js';
import { confirmPayment, startPayment } from '../../src/services/payments/payments.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';

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
  const payment = await startPayment(
    db,
    sandboxProvider(() => 'http://localhost'),
    {
      accountId,
      accountName: 'test',
      amountCents,
      currency: 'USD',
      description: null,
      viewId: `V${randomBytes(6).toString('hex')}`,
      requestedBy: 'UADMIN',
      now: context.now,
    },
  );
  return confirmPayment(db, payment.id, { actor: `sandbox:${payment.id}`, ...context });
}

/** A promise the test resolves when it chooses: `open()` lets whatever awaits `closed` go on. */
export function gate(): { closed: Promise<void>; open: () => void } {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { closed, open };
}

/** An account billed `devices` devices a month on Standard from November 2026, holding `funded`. */
export async function billedAccount(db: Db, name: string, devices: number, funded = 0n) {
  const account = await createAccount(db, {
    name,
    planCode: 'standard',
    actor: 'U1',
    at: new Date('2026-11-01T00:00:00Z'),
  });
  await recordReading(db, {
    accountId: account.id,
    count: devices,
    at: new Date('2026-11-02T00:00:00Z'),
    by: 'U1',
  });
  if (funded > 0n) await fund(db, account.id, funded);
  return account;
}
