import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRunway, lowBalanceState, runway } from '../../src/domain/runway.js';

const UTC = 'UTC';
const at = (iso: string) => new Date(iso);

describe('runway', () => {
  it('$3,000.00 with 120 devices on plus ($480/month) lasts 6.2 months (6.25 rounded down)', () => {
    // 6 whole months from Jan 15 is Jul 15; a quarter of Jul 15 → Aug 15 (31 days) is 7.75 → 7 days.
    expect(runway(300_000n, 48_000n, at('2024-01-15T12:00:00Z'), UTC)).toEqual({
      kind: 'months',
      tenths: 62,
      runsOutOn: '2024-07-22',
    });
  });

  it('is unlimited when nothing is charged', () => {
    expect(runway(300_000n, 0n, at('2024-01-15T12:00:00Z'), UTC)).toEqual({ kind: 'unlimited' });
    expect(runway(0n, 0n, at('2024-01-15T12:00:00Z'), UTC)).toEqual({ kind: 'unlimited' });
  });

  it('runs out today when the balance is empty', () => {
    expect(runway(0n, 48_000n, at('2024-03-10T12:00:00Z'), UTC)).toEqual({
      kind: 'months',
      tenths: 0,
      runsOutOn: '2024-03-10',
    });
  });

  it('never rounds up', () => {
    expect(runway(47_999n, 48_000n, at('2024-01-01T00:00:00Z'), UTC)).toMatchObject({ tenths: 9 });
    expect(runway(48_000n, 48_000n, at('2024-01-01T00:00:00Z'), UTC)).toMatchObject({ tenths: 10 });
    expect(runway(4_799n, 48_000n, at('2024-01-01T00:00:00Z'), UTC)).toMatchObject({ tenths: 0 });
  });

  it('clamps to the month’s length: one month from Jan 31 is Feb 29 in a leap year', () => {
    expect(runway(100n, 100n, at('2024-01-31T12:00:00Z'), UTC)).toMatchObject({ runsOutOn: '2024-02-29' });
    expect(runway(100n, 100n, at('2023-01-31T12:00:00Z'), UTC)).toMatchObject({ runsOutOn: '2023-02-28' });
    // Half of Feb 29 → Mar 31 (31 days) is 15.5 → 15 days.
    expect(runway(150n, 100n, at('2024-01-31T12:00:00Z'), UTC)).toMatchObject({ runsOutOn: '2024-03-15' });
  });

  it('counts from the local date in the time zone', () => {
    const now = at('2024-01-31T23:30:00Z'); // already Feb 1 in Berlin, still Jan 31 in New York
    expect(runway(100n, 100n, now, 'Europe/Berlin')).toMatchObject({ runsOutOn: '2024-03-01' });
    expect(runway(100n, 100n, now, 'America/New_York')).toMatchObject({ runsOutOn: '2024-02-29' });
  });

  it('caps a runway of over 1,000 years rather than overflowing the calendar', () => {
    const result = runway(10n ** 20n, 200n, at('2024-05-01T00:00:00Z'), UTC);
    expect(result).toEqual({ kind: 'months', tenths: 120_000, runsOutOn: '3024-05-01' });
  });

  it('tenths = floor(balance × 10 / monthly), and the date moves forward with the balance', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 7n }),
        fc.bigInt({ min: 0n, max: 11_000n }),
        fc.bigInt({ min: 0n, max: 10n ** 7n }),
        fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        (monthly, wholeMonths, extra, now) => {
          const balance = monthly * wholeMonths + (extra % monthly); // below the 1,000-year cap
          const r = runway(balance, monthly, now, 'America/New_York');
          const more = runway(balance + monthly / 3n + 1n, monthly, now, 'America/New_York');
          if (r.kind !== 'months' || more.kind !== 'months') throw new Error('expected months');
          expect(BigInt(r.tenths) * monthly <= balance * 10n).toBe(true);
          expect(BigInt(r.tenths + 1) * monthly > balance * 10n).toBe(true);
          expect(more.runsOutOn >= r.runsOutOn).toBe(true);
        },
      ),
    );
  });

  it('refuses negative money', () => {
    expect(() => runway(-1n, 100n, new Date(), UTC)).toThrow(RangeError);
    expect(() => runway(1n, -100n, new Date(), UTC)).toThrow(RangeError);
  });
});

describe('formatRunway', () => {
  it.each([
    [62, '6.2 months'],
    [10, '1.0 month'],
    [4, '0.4 months'],
    [0, '0.0 months'],
    [11, '1.1 months'],
    [120, '12.0 months'],
    [120_000, '12,000.0 months'],
  ])('%s tenths → %s', (tenths, text) => {
    expect(formatRunway(tenths)).toBe(text);
  });

  it('refuses non-tenths', () => {
    expect(() => formatRunway(6.25)).toThrow(RangeError);
    expect(() => formatRunway(-1)).toThrow(RangeError);
  });
});

describe('lowBalanceState', () => {
  it.each([
    [0n, 48_000n, 10, 'empty'],
    [1n, 48_000n, 10, 'low'],
    [47_999n, 48_000n, 10, 'low'],
    [48_000n, 48_000n, 10, 'ok'],
    [300_000n, 48_000n, 10, 'ok'],
    [300_000n, 48_000n, 63, 'low'], // 6.25 months < 6.3
    [302_400n, 48_000n, 63, 'ok'], // exactly 6.3 months
    [0n, 0n, 10, 'ok'],
    [5n, 0n, 10, 'ok'],
    [0n, 48_000n, 0, 'empty'],
    [1n, 48_000n, 0, 'ok'],
  ] as const)('balance %s, monthly %s, threshold %s tenths → %s', (balance, monthly, threshold, state) => {
    expect(lowBalanceState(balance, monthly, threshold)).toBe(state);
  });

  it('is low exactly when the shown runway is below the threshold', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 10n ** 7n }),
        fc.integer({ min: 0, max: 1200 }),
        (balance, monthly, threshold) => {
          const r = runway(balance, monthly, new Date('2024-01-01T00:00:00Z'), UTC);
          if (r.kind !== 'months') throw new Error('expected months');
          expect(lowBalanceState(balance, monthly, threshold)).toBe(r.tenths < threshold ? 'low' : 'ok');
        },
      ),
    );
  });
});
