import { and, eq, or, sql } from 'drizzle-orm';
import { at, type Db, toBigInt } from '../../db/client.js';
import { accounts, invoices, payments } from '../../db/schema.js';
import { UserError } from '../errors.js';
import { type Payment, startPayment } from './payments.js';
import type { PaymentProvider } from './provider.js';

/** The invoice has nothing left to pay (paid, or written off, since the button was shown). */
export class NothingOutstandingError extends UserError {
  constructor(readonly number: string) {
    super(`${number} has nothing outstanding: there is nothing to pay.`);
  }
}

/**
 * Opens a checkout for exactly what invoice `invoiceId` still owes (SPEC §14 "Pay an invoice"): a card reload of
 * that amount, confirmed through the same path as every reload, which credits the wallet and settles the open
 * invoices. The request key is the invoice, its outstanding amount, the requester and how many of these checkouts
 * have ended: a double click, a reload of the page or a concurrent twin finds the same pending payment (the unique
 * view id), a checkout that expired or was cancelled is followed by a new one, and a changed outstanding amount
 * (a partial settlement) asks for a new amount.
 */
export async function startOutstandingCheckout(
  db: Db,
  provider: PaymentProvider,
  input: { invoiceId: number; requestedBy: string; currency: string; now: Date },
): Promise<Payment> {
  const [invoice] = await db
    .select({
      number: invoices.number,
      accountId: invoices.accountId,
      accountName: accounts.name,
      outstandingCents: invoices.outstandingCents,
    })
    .from(invoices)
    .innerJoin(accounts, eq(accounts.id, invoices.accountId))
    .where(eq(invoices.id, input.invoiceId));
  if (!invoice) throw new UserError(`There is no invoice ${input.invoiceId}.`);
  if (invoice.outstandingCents <= 0n) throw new NothingOutstandingError(invoice.number);
  const prefix = `outstanding:${input.invoiceId}:${invoice.outstandingCents}:${input.requestedBy}:`;
  const [{ ended } = { ended: 0 }] = await db
    .select({ ended: sql<unknown>`count(*)` })
    .from(payments)
    .where(
      and(
        sql`starts_with(${payments.viewId}, ${prefix})`,
        // A pending payment whose checkout is not recorded yet is a twin's in flight (its expiry is still a
        // placeholder): not ended.
        or(
          sql`${payments.status} <> 'pending'`,
          sql`${payments.checkoutUrl} is not null and ${payments.expiresAt} <= ${at(input.now)}`,
        ),
      ),
    );
  return startPayment(db, provider, {
    accountId: invoice.accountId,
    accountName: invoice.accountName,
    amountCents: invoice.outstandingCents,
    currency: input.currency,
    description: `invoice ${invoice.number}`,
    viewId: `${prefix}${toBigInt(ended)}`,
    requestedBy: input.requestedBy,
    now: input.now,
  });
}
