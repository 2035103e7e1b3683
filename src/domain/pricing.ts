// Price arithmetic in integer minor units. Counts arrive as numbers (already validated) and are converted to
// bigint before any multiplication, so totals are exact at any size.

import { billableDevices, wholeCount } from './devices.js';

/** A plan code as stored (lower case; compare after lower-casing). The database's `plans_code_format` check is this pattern. */
export const PLAN_CODE = /^[a-z][a-z0-9_-]{0,31}$/;

export const COMPARISON_MONTHS = [12, 24, 36] as const;

export type Estimate = {
  devices: number;
  months: number;
  unitPriceCents: bigint;
  monthlyCents: bigint;
  totalCents: bigint;
  comparison: Array<{ months: (typeof COMPARISON_MONTHS)[number]; totalCents: bigint }>;
};

/** devices × months × unit price, plus the same devices over 12, 24 and 36 months. */
export function estimate(devices: number, months: number, unitPriceCents: bigint): Estimate {
  const monthlyCents = wholeCount(devices, 'devices') * nonNegative(unitPriceCents, 'unit price');
  return {
    devices,
    months,
    unitPriceCents,
    monthlyCents,
    totalCents: monthlyCents * wholeCount(months, 'months'),
    comparison: COMPARISON_MONTHS.map((m) => ({ months: m, totalCents: monthlyCents * BigInt(m) })),
  };
}

/** What a month costs: devices not covered by license packs, never fewer than zero, at the unit price. */
export function monthlyCost(devices: number, coveredDevices: number, unitPriceCents: bigint): bigint {
  return BigInt(billableDevices(devices, coveredDevices)) * nonNegative(unitPriceCents, 'unit price');
}

/** How much to add so the balance pays for `months` months; nothing when it already does. */
export function reloadToCover(balanceCents: bigint, monthlyCents: bigint, months: number): bigint {
  const needed = nonNegative(monthlyCents, 'monthly cost') * wholeCount(months, 'months') - balanceCents;
  return needed > 0n ? needed : 0n;
}

export function nonNegative(cents: bigint, what: string): bigint {
  if (cents < 0n) throw new RangeError(`${what} must not be negative, got ${cents}`);
  return cents;
}
