// How long a balance lasts at the current monthly cost (SPEC §9). Everything is integer arithmetic and
// rounds down: a runway is never overstated.

import { addDaysToDate, addMonthsToDate, daysBetweenDates, localDate } from './billing-month.js';
import { groupDigits } from './money.js';

export type Runway = { kind: 'unlimited' } | { kind: 'months'; tenths: number; runsOutOn: string };
export type LowBalanceState = 'ok' | 'low' | 'empty';

// Capping at 1,000 years keeps the date within what Date can represent; a capped runway is still not overstated.
const MAX_RUNWAY_MONTHS = 12_000n;

/**
 * Months the balance covers, in tenths rounded down, and the local date it runs out: `now` plus the whole
 * months (calendar months, day clamped) plus the remaining fraction of the following month, in whole days.
 */
export function runway(balanceCents: bigint, monthlyCents: bigint, now: Date, timeZone: string): Runway {
  if (balanceCents < 0n || monthlyCents < 0n)
    throw new RangeError('balance and monthly cost must not be negative');
  if (monthlyCents === 0n) return { kind: 'unlimited' };
  const cap = monthlyCents * MAX_RUNWAY_MONTHS;
  const balance = balanceCents < cap ? balanceCents : cap;

  const wholeMonths = Number(balance / monthlyCents);
  const today = localDate(now, timeZone);
  const lastFullMonth = addMonthsToDate(today, wholeMonths);
  const followingMonthDays = daysBetweenDates(lastFullMonth, addMonthsToDate(today, wholeMonths + 1));
  const extraDays = ((balance % monthlyCents) * BigInt(followingMonthDays)) / monthlyCents;
  return {
    kind: 'months',
    tenths: Number((balance * 10n) / monthlyCents),
    runsOutOn: addDaysToDate(lastFullMonth, Number(extraDays)),
  };
}

/** A runway in tenths as exact decimal months, for files and APIs: 62 → '6.2'. */
export function runwayMonths(tenths: number): string {
  if (!Number.isSafeInteger(tenths) || tenths < 0) throw new RangeError(`not a runway in tenths: ${tenths}`);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/** '6.2 months', '1.0 month', '0.4 months'. */
export function formatRunway(tenths: number): string {
  if (!Number.isSafeInteger(tenths) || tenths < 0) throw new RangeError(`not a runway in tenths: ${tenths}`);
  const whole = groupDigits(Math.floor(tenths / 10));
  return `${whole}.${tenths % 10} ${tenths === 10 ? 'month' : 'months'}`;
}

/**
 * `empty` when nothing is left but something is owed; `low` when the runway is below the threshold (in tenths
 * of a month) — balance×10 < monthly×threshold is the exact form of runway < threshold; otherwise `ok`.
 */
export function lowBalanceState(
  balanceCents: bigint,
  monthlyCents: bigint,
  thresholdTenths: number,
): LowBalanceState {
  if (monthlyCents <= 0n) return 'ok';
  if (balanceCents <= 0n) return 'empty';
  return balanceCents * 10n < monthlyCents * BigInt(thresholdTenths) ? 'low' : 'ok';
}
