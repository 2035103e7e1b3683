// The invoice as a document (SPEC §17): what the PDF and the hosted page show, as plain data. Built from the
// stored invoice (its figures never change), the settlements and the write-off that name it (SPEC §14), and
// today's date, which alone turns `due` into `overdue`. Pure: no clock, no database, no rendering.

import { addDaysToDate, localDate, nextMonth } from '../domain/billing-month.js';
import { invoiceLines } from '../domain/invoice.js';
import { type InvoiceState, invoiceState, invoiceStatus, outstanding } from '../domain/receivables.js';
import type { InvoiceSettlement, InvoiceWriteOff, SettlementSource } from '../services/invoice-history.js';
import type { Invoice } from '../services/invoicing.js';

export type { InvoiceSettlement, InvoiceWriteOff };

/** Who issues the invoices (`INVOICE_ISSUER`): a name and its address lines. */
export interface InvoiceIssuer {
  name: string;
  addressLines: string[];
}

/** The stored invoice fields a document shows. */
export type StoredInvoice = Pick<
  Invoice,
  | 'number'
  | 'month'
  | 'unitPriceCents'
  | 'billedDevices'
  | 'coveredDevices'
  | 'billableDevices'
  | 'chargeCents'
  | 'paidFromBalanceCents'
  | 'amountDueCents'
  | 'issueDate'
  | 'dueDate'
  | 'createdAt'
>;

/** The deployment's settings a document depends on. */
export interface InvoiceDocumentSettings {
  issuer: InvoiceIssuer | null;
  currency: string;
  timeZone: string;
}

export type DocumentLineKind =
  | 'usage'
  | 'coverage'
  | 'charge'
  | 'paid_from_balance'
  | 'settlement'
  | 'write_off'
  | 'outstanding';

/** One row of the document's table. Amounts are signed: what is taken off the charge is negative. */
export interface DocumentLine {
  kind: DocumentLineKind;
  label: string;
  /** A second line under the label: the plan, a payment's reference, a write-off's reason. */
  detail: string | null;
  /** 'YYYY-MM-DD' for what happened on a day (payments, the write-off). */
  date: string | null;
  quantity: number | null;
  unitPriceCents: bigint | null;
  amountCents: bigint;
}

export interface InvoiceDocument {
  number: string;
  issuer: InvoiceIssuer | null;
  billTo: { accountName: string; planName: string };
  currency: string;
  /** The billing month 'YYYY-MM', and its first and last day. */
  billingMonth: string;
  period: { from: string; to: string };
  issueDate: string;
  dueDate: string;
  /**
   * Usage, coverage (when the account had packs), the charge, what the balance paid at issue, each settlement
   * (oldest first), the write-off, and the outstanding amount: charge − paid − settlements − write-off.
   */
  lines: DocumentLine[];
  chargeCents: bigint;
  outstandingCents: bigint;
  status: InvoiceState;
  /** The day the status speaks of: paid on, due by, overdue since, written off on. */
  statusDate: string;
  /** The instants behind the document's metadata: issued, and last changed (the latest settlement or write-off). */
  issuedAt: Date;
  changedAt: Date;
}

export interface InvoiceDocumentInput {
  invoice: StoredInvoice;
  accountName: string;
  planName: string;
  settlements: readonly InvoiceSettlement[];
  writeOff: InvoiceWriteOff | null;
  settings: InvoiceDocumentSettings;
  /** Today, for `due` or `overdue`. */
  now: Date;
}

const SETTLEMENT_LABELS: Record<SettlementSource, string> = {
  reload: 'Paid by reload',
  code: 'Paid by code redemption',
  adjustment: 'Paid by balance adjustment',
  offline_payment: 'Payment received',
};

export function invoiceDocument(input: InvoiceDocumentInput): InvoiceDocument {
  const { invoice, settings } = input;
  const day = (at: Date) => localDate(at, settings.timeZone);
  // Oldest first; a stable sort keeps the given order of settlements posted at the same instant.
  const settlements = [...input.settlements].sort((a, b) => a.at.getTime() - b.at.getTime());
  const writeOff = input.writeOff;
  const outstandingCents = outstanding(
    invoice.amountDueCents,
    settlements.map((s) => s.amountCents),
    writeOff?.amountCents ?? 0n,
  );
  // The dates the invoice was issued with: a later change of PAYMENT_TERMS_DAYS or of the time zone moves nothing.
  const { issueDate, dueDate: due } = invoice;
  const status = invoiceState(invoiceStatus(outstandingCents, writeOff !== null), due, day(input.now));
  const lastSettlement = settlements.at(-1);
  const changedAt = new Date(
    Math.max(
      invoice.createdAt.getTime(),
      ...settlements.map((s) => s.at.getTime()),
      writeOff?.at.getTime() ?? 0,
    ),
  );
  const statusDate = {
    paid: lastSettlement ? day(lastSettlement.at) : issueDate,
    due,
    overdue: addDaysToDate(due, 1),
    written_off: writeOff ? day(writeOff.at) : issueDate,
  }[status];

  return {
    number: invoice.number,
    issuer: settings.issuer,
    billTo: { accountName: input.accountName, planName: input.planName },
    currency: settings.currency,
    billingMonth: invoice.month,
    period: { from: `${invoice.month}-01`, to: addDaysToDate(`${nextMonth(invoice.month)}-01`, -1) },
    issueDate,
    dueDate: due,
    lines: [
      ...chargeLines(invoice, input.planName, issueDate),
      ...settlements.map((s) => settlementLine(s, day(s.at))),
      ...(writeOff ? [writeOffLine(writeOff, day(writeOff.at))] : []),
      amountLine('outstanding', 'Outstanding', outstandingCents),
    ],
    chargeCents: invoice.chargeCents,
    outstandingCents,
    status,
    statusDate,
    issuedAt: invoice.createdAt,
    changedAt,
  };
}

/** The invoice's own lines (the rule of SPEC §8), with the charge after usage and coverage. */
function chargeLines(invoice: StoredInvoice, planName: string, issueDate: string): DocumentLine[] {
  const issueLines: DocumentLine[] = [];
  for (const line of invoiceLines(invoice)) {
    if (line.kind === 'amount_due') continue; // the document ends in what is outstanding now
    if (line.kind === 'paid_from_balance')
      issueLines.push(amountLine('charge', 'Charge', invoice.chargeCents));
    issueLines.push({
      kind: line.kind,
      label: line.label,
      detail: line.kind === 'usage' ? `${planName} plan, per device per month` : null,
      date: line.kind === 'paid_from_balance' ? issueDate : null,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      amountCents: line.amountCents,
    });
  }
  return issueLines;
}

function settlementLine(s: InvoiceSettlement, date: string): DocumentLine {
  return {
    ...amountLine('settlement', SETTLEMENT_LABELS[s.source], -s.amountCents),
    detail: s.reference === null ? null : `Ref. ${s.reference}`,
    date,
  };
}

function writeOffLine(w: InvoiceWriteOff, date: string): DocumentLine {
  return { ...amountLine('write_off', 'Written off', -w.amountCents), detail: w.reason, date };
}

function amountLine(kind: DocumentLineKind, label: string, amountCents: bigint): DocumentLine {
  return { kind, label, detail: null, date: null, quantity: null, unitPriceCents: null, amountCents };
}
