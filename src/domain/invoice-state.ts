// What an issued invoice still asks for, and the state that follows (SPEC §14): an invoice's figures never
// change; settlements and a write-off are taken off its amount due, and the state is read from what is left,
// the due date and today's date. Pure: dates are local calendar dates ('YYYY-MM-DD') in the billing time zone.

import { addDaysToDate } from './billing-month.js';

const INVOICE_STATES = ['paid', 'due', 'overdue', 'written_off'] as const;
export type InvoiceState = (typeof INVOICE_STATES)[number];

/** `PAYMENT_TERMS_DAYS`: days from the issue date to the due date. */
export const PAYMENT_TERMS = { default: 7, min: 0, max: 365 } as const;

/** The due date: the issue date plus the payment terms (0 days: due on the day it is issued). */
export function dueDate(issueDate: string, termsDays: number): string {
  if (!Number.isSafeInteger(termsDays) || termsDays < PAYMENT_TERMS.min || termsDays > PAYMENT_TERMS.max) {
    throw new RangeError(
      `payment terms must be ${PAYMENT_TERMS.min}–${PAYMENT_TERMS.max} days, got ${termsDays}`,
    );
  }
  return addDaysToDate(issueDate, termsDays);
}

/**
 * What is left to pay: amount due − settlements − write-off. A caller that takes off more than was due has a
 * bug that would print a negative debt, so it fails loudly; so does a write-off that leaves something owed
 * (a write-off is always of the whole outstanding amount).
 */
export function outstandingCents(
  amountDueCents: bigint,
  settledCents: readonly bigint[],
  writtenOffCents: bigint | null,
): bigint {
  if (amountDueCents < 0n) throw new RangeError(`amount due must not be negative, got ${amountDueCents}`);
  let left = amountDueCents;
  for (const cents of settledCents) {
    if (cents <= 0n) throw new RangeError(`a settlement must be positive, got ${cents}`);
    left -= cents;
  }
  if (writtenOffCents !== null) {
    if (writtenOffCents <= 0n) throw new RangeError(`a write-off must be positive, got ${writtenOffCents}`);
    left -= writtenOffCents;
    if (left !== 0n)
      throw new RangeError(`a write-off must take the whole outstanding amount (${left} left)`);
  }
  if (left < 0n) throw new RangeError(`settlements exceed the amount due by ${-left}`);
  return left;
}

/**
 * `written_off` once written off; `paid` when nothing is outstanding; `due` up to and including the due date;
 * `overdue` from the day after.
 */
export function invoiceState(o: {
  outstandingCents: bigint;
  writtenOff: boolean;
  dueDate: string;
  today: string;
}): InvoiceState {
  if (o.writtenOff) return 'written_off';
  if (o.outstandingCents === 0n) return 'paid';
  // 'YYYY-MM-DD' compares as text in calendar order.
  return o.today > o.dueDate ? 'overdue' : 'due';
}
