import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../src/db/client.js';
import { invoices } from '../../src/db/schema.js';
import { formatInvoiceNumber } from '../../src/domain/invoice.js';
import { postTransfer } from '../../src/ledger/ledger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';

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
