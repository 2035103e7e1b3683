// Collections (SPEC §14): what an invoice still owes, the state it is in, the order later credit settles invoices
// in, when a reminder is due and how a debt ages. Integer cents and calendar dates ('YYYY-MM-DD') only.
// src/services/sql/billing-rules.ts holds the SQL form of each rule the set-based jobs need; a property test holds
// the two together.

import { z } from 'zod';
import { addDaysToDate, daysBetweenDates } from './billing-month.js';

/** `PAYMENT_TERMS_DAYS`: days from the issue date to the due date (SPEC §14). */
export const PAYMENT_TERMS = { default: 7, min: 0, max: 365 } as const;
/** DUNNING_REMINDER_DAYS when it is not set. */
export const DEFAULT_REMINDER_DAYS: readonly number[] = [3, 7];

/** What an invoice row stores; `overdue` is `due` past its due date, so it depends on when one asks. */
export type InvoiceStatus = 'paid' | 'due' | 'written_off';
export type InvoiceState = InvoiceStatus | 'overdue';

/**
 * Amount due − settlements (later credit, offline payments) − write-off (0n: none): what the customer still owes.
 * Taking off more than was due, a settlement that is not positive, or a write-off of less than what was left are
 * bugs that would print a wrong debt: they fail loudly.
 */
export function outstanding(
  amountDueCents: bigint,
  settlementsCents: readonly bigint[],
  writeOffCents: bigint,
): bigint {
  if (amountDueCents < 0n) throw new RangeError(`amount due must not be negative, got ${amountDueCents}`);
  if (writeOffCents < 0n) throw new RangeError(`a write-off must not be negative, got ${writeOffCents}`);
  let left = amountDueCents;
  for (const cents of settlementsCents) {
    if (cents <= 0n) throw new RangeError(`a settlement must be positive, got ${cents}`);
    left -= cents;
  }
  if (left < 0n) throw new RangeError(`settlements exceed the amount due by ${-left}`);
  if (writeOffCents > 0n && writeOffCents !== left)
    throw new RangeError(`a write-off must take the whole outstanding amount (${left - writeOffCents} left)`);
  return left - writeOffCents;
}

/** The stored status of an invoice (the database holds each row to it with a CHECK). */
export function invoiceStatus(outstandingCents: bigint, writtenOff: boolean): InvoiceStatus {
  if (writtenOff) return 'written_off';
  return outstandingCents === 0n ? 'paid' : 'due';
}

/** An invoice's state on `today` (a local date): `due` turns `overdue` the day after its due date. */
export function invoiceState(status: InvoiceStatus, dueDate: string, today: string): InvoiceState {
  return status === 'due' && today > dueDate ? 'overdue' : status;
}

/** The last day to pay: the issue date plus the payment terms, in whole days (0: due the day it is issued). */
export function dueDateFor(issueDate: string, paymentTermsDays: number): string {
  const { min, max } = PAYMENT_TERMS;
  if (!Number.isSafeInteger(paymentTermsDays) || paymentTermsDays < min || paymentTermsDays > max)
    throw new RangeError(`payment terms must be ${min}–${max} days, got ${paymentTermsDays}`);
  return addDaysToDate(issueDate, paymentTermsDays);
}

/** Days past the due date on `today` (zero or less: not yet due). */
export function daysPastDue(dueDate: string, today: string): number {
  return daysBetweenDates(dueDate, today);
}

export const AGING_BUCKETS = ['not_yet_due', 'days_1_30', 'days_31_60', 'days_61_90', 'over_90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** The receivables report's aging bucket of an amount that is `days` past due. */
export function agingBucket(days: number): AgingBucket {
  if (days <= 0) return 'not_yet_due';
  if (days <= 30) return 'days_1_30';
  if (days <= 60) return 'days_31_60';
  if (days <= 90) return 'days_61_90';
  return 'over_90';
}

/**
 * The reminder an outstanding invoice is owed `daysSinceIssue` days after issue: the latest of the reminder days
 * reached (so a daily job that missed a day catches up once, never twice), or null before the first.
 */
export function reminderDay(daysSinceIssue: number, reminderDays: readonly number[]): number | null {
  const reached = reminderDays.filter((d) => d <= daysSinceIssue);
  return reached.length === 0 ? null : Math.max(...reached);
}

/** An invoice with something outstanding, as settlement sees it. */
export interface OpenInvoice {
  id: number;
  /** The billing month, 'YYYY-MM'. */
  month: string;
  outstandingCents: bigint;
}

/** Settlement order: oldest billing month first, then the invoice made first. */
export function compareForSettlement(
  a: Pick<OpenInvoice, 'id' | 'month'>,
  b: Pick<OpenInvoice, 'id' | 'month'>,
) {
  if (a.month !== b.month) return a.month < b.month ? -1 : 1;
  return a.id - b.id;
}

/**
 * What a wallet holding `balanceCents` pays of each open invoice, in settlement order: min(outstanding, what is
 * left) each, until the balance runs out. Returns only the invoices paid something.
 */
export function allocateSettlement(
  balanceCents: bigint,
  open: OpenInvoice[],
): Array<{ invoice: OpenInvoice; amountCents: bigint }> {
  if (balanceCents < 0n) throw new RangeError('a balance is never negative');
  let left = balanceCents;
  const paid: Array<{ invoice: OpenInvoice; amountCents: bigint }> = [];
  for (const invoice of [...open].sort(compareForSettlement)) {
    if (left === 0n) break;
    const owed = invoice.outstandingCents;
    if (owed <= 0n) continue;
    // biome-ignore lint/complexity/useMathMinMax: bigint cents; Math.min takes numbers
    const amountCents = owed < left ? owed : left;
    paid.push({ invoice, amountCents });
    left -= amountCents;
  }
  return paid;
}

const MAX_NOTE = 200;
const noteText = (what: string) =>
  z
    .string()
    .trim()
    .max(MAX_NOTE, `The ${what} holds at most ${MAX_NOTE} characters.`)
    .refine((v) => !/[\p{C}\p{Zl}\p{Zp}]/u.test(v), `The ${what} cannot hold control characters.`);

/** Why finance writes an invoice off: kept with it. */
export const writeOffReasonSchema = noteText('reason').pipe(
  z.string().min(1, 'Give the reason for the write-off; it is kept with the invoice.'),
);

/** The bank's reference of an offline payment (may be empty). */
export const paymentReferenceSchema = noteText('reference');
