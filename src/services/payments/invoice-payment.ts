import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { invoices, payments } from '../../db/schema.js';
import { parseInvoiceNumber } from '../../domain/invoice.js';
import { UserError } from '../errors.js';
import { InvoiceClosedError, NoInvoiceError } from '../receivables.js';
import { type Payment, startPayment } from './payments.js';
import type { PaymentProvider } from './provider.js';

/** An invoice someone may pay now: what is outstanding on it and whose it is. */
export interface PayableInvoice {
  id: number;
  number: string;
  accountId: number;
  month: string;
  outstandingCents: bigint;
}

/**
 * The invoice by its exact number, if something is outstanding on it (SPEC §14): a paid or written-off invoice is
 * refused, an unknown number is "There is no invoice INV-…".
 */
export async function payableInvoice(db: Db, text: string): Promise<PayableInvoice> {
  const parsed = parseInvoiceNumber(text);
  if (!parsed.ok) throw new UserError(parsed.error);
  const [row] = await db.select().from(invoices).where(eq(invoices.number, parsed.number));
  if (!row) throw new NoInvoiceError(parsed.number);
  if (row.status !== 'due') throw new InvoiceClosedError(row.number, row.status);
  return {
    id: row.id,
    number: row.number,
    accountId: row.accountId,
    month: row.month,
    outstandingCents: row.outstandingCents,
  };
}

/** What a Pay checkout pays for, shown on the pay step and the receipt. */
function invoicePaymentDescription(number: string): string {
  return `invoice ${number}`;
}

/**
 * A card payment of `amountCents` for the invoice through the Reload path (§7, either provider): its confirmation
 * credits the wallet and settles the open invoices as any credit does. `viewId` is the request's idempotency key.
 * Both doors to paying an invoice (the Slack Pay button, the hosted page's Pay) start their checkout here.
 */
export function startInvoiceCheckout(
  db: Db,
  provider: PaymentProvider,
  input: {
    invoice: { accountId: number; accountName: string; number: string };
    amountCents: bigint;
    currency: string;
    viewId: string;
    requestedBy: string;
    now: Date;
  },
): Promise<Payment> {
  return startPayment(db, provider, {
    accountId: input.invoice.accountId,
    accountName: input.invoice.accountName,
    amountCents: input.amountCents,
    currency: input.currency,
    description: invoicePaymentDescription(input.invoice.number),
    viewId: input.viewId,
    requestedBy: input.requestedBy,
    now: input.now,
  });
}

/**
 * The Pay button (SPEC §14): a card payment for exactly what is outstanding on the invoice, through the Reload
 * path (§7, either provider), so its confirmation credits the wallet and settles the open invoices as any credit
 * does; money that lands after the invoice was settled otherwise stays on the balance.
 *
 * Idempotent on the click (Slack's trigger id): a retried click finds the payment the first one started, for the
 * amount it was started with, even if part of the invoice has been paid since.
 */
export async function startInvoicePayment(
  db: Db,
  provider: PaymentProvider,
  input: {
    invoice: PayableInvoice;
    accountName: string;
    currency: string;
    requestId: string;
    requestedBy: string;
    now: Date;
  },
): Promise<Payment> {
  const viewId = `invoice-pay:${input.requestId}`;
  const [earlier] = await db.select().from(payments).where(eq(payments.viewId, viewId));
  return startInvoiceCheckout(db, provider, {
    invoice: { ...input.invoice, accountName: input.accountName },
    amountCents: earlier?.amountCents ?? input.invoice.outstandingCents,
    currency: input.currency,
    viewId,
    requestedBy: input.requestedBy,
    now: input.now,
  });
}
