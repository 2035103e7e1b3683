// The words and figures of an invoice document, shared by its renderers (the PDF, the hosted HTML page) so both
// say the same thing. Pure text; each renderer escapes and lays it out in its own way.

import type { DocumentLine, InvoiceDocument } from '../app/invoice-document.js';
import { formatMoney, groupDigits } from '../domain/money.js';
import type { InvoiceState } from '../domain/receivables.js';

export const STATUS_LABELS: Record<InvoiceState, string> = {
  paid: 'Paid',
  due: 'Due',
  overdue: 'Overdue',
  written_off: 'Written off',
};

/** The table's columns, in order. */
export const TABLE_HEADINGS = ['Description', 'Date', 'Qty', 'Unit price', 'Amount'] as const;

/** `$480.00`, or `−$80.00` with a real minus sign for what is taken off. */
export function amountText(cents: bigint, currency: string): string {
  return cents < 0n ? `−${formatMoney(-cents, currency)}` : formatMoney(cents, currency);
}

const longDates = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'long' });
const rangeDates = new Intl.DateTimeFormat('en-US', {
  timeZone: 'UTC',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
});

/** `February 1, 2026` for the local date `2026-02-01`. */
export function dateText(date: string): string {
  return longDates.format(utcDay(date));
}

/** `January 1 – 31, 2026` for a billing month's first and last day. */
export function periodText(period: { from: string; to: string }): string {
  return rangeDates.formatRange(utcDay(period.from), utcDay(period.to));
}

function utcDay(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day));
}

/** A line's cells after its description: date, quantity, unit price and amount ('' when a line has none). */
export function lineCells(line: DocumentLine, currency: string): [string, string, string, string] {
  return [
    line.date === null ? '' : dateText(line.date),
    line.quantity === null ? '' : groupDigits(line.quantity),
    line.unitPriceCents === null ? '' : formatMoney(line.unitPriceCents, currency),
    amountText(line.amountCents, currency),
  ];
}

/** `120 × $4.00` for a line priced per device; null for the others. */
export function perUnitText(line: DocumentLine, currency: string): string | null {
  if (line.quantity === null || line.unitPriceCents === null) return null;
  return `${groupDigits(line.quantity)} × ${formatMoney(line.unitPriceCents, currency)}`;
}

/** The invoice's header facts, label and value, in order. */
export function invoiceFacts(d: InvoiceDocument): Array<[label: string, value: string]> {
  return [
    ['Invoice number', d.number],
    ['Issue date', dateText(d.issueDate)],
    ['Due date', dateText(d.dueDate)],
    ['Billing period', periodText(d.period)],
    ['Status', STATUS_LABELS[d.status]],
    ['Currency', d.currency],
  ];
}

/** One sentence on where the invoice stands. */
export function statusStatement(d: InvoiceDocument): string {
  const outstanding = formatMoney(d.outstandingCents, d.currency);
  switch (d.status) {
    case 'paid':
      return d.chargeCents === 0n
        ? 'Nothing to pay for this period.'
        : `Paid in full on ${dateText(d.statusDate)}.`;
    case 'due':
      return `${outstanding} is due by ${dateText(d.dueDate)}.`;
    case 'overdue':
      return `${outstanding} is overdue since ${dateText(d.statusDate)} (it was due by ${dateText(d.dueDate)}).`;
    case 'written_off':
      return `Written off on ${dateText(d.statusDate)}: nothing more is asked for this invoice.`;
  }
}

/** How to pay, while something is outstanding (null otherwise). */
export function paymentNote(d: InvoiceDocument): string | null {
  if (d.outstandingCents === 0n) return null;
  return (
    `Pay ${formatMoney(d.outstandingCents, d.currency)} with the Pay button on this invoice's page or its ` +
    'Slack message, or add credit to the balance (a reload or a code): credit settles open invoices first, ' +
    `oldest first. For a bank transfer, quote ${d.number} as the reference.`
  );
}

export function documentTitle(d: InvoiceDocument): string {
  return `Invoice ${d.number}`;
}
