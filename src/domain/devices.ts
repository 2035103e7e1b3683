// The device-count rules of SPEC §6 and §8, in one place. The set-based jobs run the same rules in SQL
// (src/services/sql/billing-rules.ts); a property test holds the two to each other.

/** Devices charged to the balance: those not covered by license packs, never fewer than zero. */
export function billableDevices(devices: number, coveredDevices: number): number {
  wholeCount(devices, 'devices');
  wholeCount(coveredDevices, 'covered devices');
  return Math.max(devices - coveredDevices, 0);
}

/**
 * The count a month bills (SPEC §8): the highest count in effect at any time in it. The reading carried in from
 * before the month counts until the next one; before any reading the count is zero.
 */
export function billedDeviceCount(carriedIn: number | undefined, readingsInMonth: readonly number[]): number {
  return Math.max(carriedIn ?? 0, ...readingsInMonth);
}

/** A device reading as the rules see it: a count from an instant on; `id` orders readings of the same instant. */
export interface Reading {
  id: number;
  count: number;
  at: Date;
}

/** The reading in effect at `instant`: the latest at or before it (the later one of the same instant). */
export function readingInEffect<R extends Reading>(readings: readonly R[], instant: Date): R | undefined {
  let found: R | undefined;
  for (const r of readings) {
    if (r.at > instant) continue;
    if (!found || r.at > found.at || (r.at.getTime() === found.at.getTime() && r.id > found.id)) found = r;
  }
  return found;
}

/** `billedDeviceCount` over a window of readings: `end` excluded for a whole month, included for the month so far. */
export function billedDeviceCountIn(
  readings: readonly Reading[],
  window: { start: Date; end: Date; endIncluded: boolean },
): number {
  const before = readings.filter((r) => r.at < window.start);
  const inWindow = readings.filter(
    (r) => r.at >= window.start && (window.endIncluded ? r.at <= window.end : r.at < window.end),
  );
  return billedDeviceCount(
    readingInEffect(before, window.start)?.count,
    inWindow.map((r) => r.count),
  );
}

/** A license pack covers every billing month from its first to its last, both included ('YYYY-MM' order). */
export function packCovers(pack: { startMonth: string; endMonth: string }, month: string): boolean {
  return pack.startMonth <= month && month <= pack.endMonth;
}

/** Devices covered in a month by the packs active in it. */
export function coveredDeviceCount(
  packs: ReadonlyArray<{ devices: number; startMonth: string; endMonth: string }>,
  month: string,
): number {
  return packs.filter((pack) => packCovers(pack, month)).reduce((sum, pack) => sum + pack.devices, 0);
}

// A fractional or negative count is a caller bug; failing loudly beats a silently wrong price.
export function wholeCount(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number ≥ 0, got ${n}`);
  return BigInt(n);
}
