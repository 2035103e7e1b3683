import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDaysToDate,
  addMonths,
  addMonthsToDate,
  dayStart,
  daysBetweenDates,
  isDate,
  isMonth,
  localDate,
  monthOf,
  monthStart,
  monthsBetween,
  nextMonth,
} from '../../src/domain/billing-month.js';
import { previousMonth } from '../support/months.js';

const utc = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();
const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'Pacific/Chatham',
  'America/Asuncion', // DST starts at midnight
  'America/Havana', // DST starts and ends at midnight
  'Asia/Kolkata',
  'Pacific/Kiritimati', // UTC+14
  'Pacific/Pago_Pago', // UTC−11
] as const;

const monthArb = fc
  .tuple(fc.integer({ min: 2000, max: 2999 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`);

describe('isMonth', () => {
  it.each(['2000-01', '2024-12', '2999-09'])('accepts %s', (text) => {
    expect(isMonth(text)).toBe(true);
  });

  it.each([
    '1999-12',
    '3000-01',
    '2024-00',
    '2024-13',
    '2024-1',
    '24-01',
    '2024/01',
    '2024-01-01',
    ' 2024-01',
    '２０２４-01',
    '',
  ])('refuses %j', (text) => {
    expect(isMonth(text)).toBe(false);
  });
});

describe('month arithmetic', () => {
  it('crosses year boundaries', () => {
    expect(nextMonth('2024-12')).toBe('2025-01');
    expect(nextMonth('2024-01')).toBe('2024-02');
    expect(previousMonth('2024-01')).toBe('2023-12');
    expect(previousMonth('2024-10')).toBe('2024-09');
    expect(addMonths('2024-05', -17)).toBe('2022-12');
    expect(addMonths('2024-05', 20)).toBe('2026-01');
    expect(addMonths('2024-05', 0)).toBe('2024-05');
  });

  it('refuses malformed months', () => {
    expect(() => nextMonth('2024-13')).toThrow(RangeError);
    expect(() => addMonths('2024-1', 1)).toThrow(RangeError);
    expect(() => monthsBetween('2024-01', 'soon')).toThrow(RangeError);
  });

  it('lists months from inclusive to exclusive', () => {
    expect(monthsBetween('2023-11', '2024-02')).toEqual(['2023-11', '2023-12', '2024-01']);
    expect(monthsBetween('2024-02', '2024-03')).toEqual(['2024-02']);
    expect(monthsBetween('2024-02', '2024-02')).toEqual([]);
    expect(monthsBetween('2024-03', '2024-02')).toEqual([]);
  });

  it('composes like integers', () => {
    fc.assert(
      fc.property(
        monthArb,
        fc.integer({ min: -200, max: 200 }),
        fc.integer({ min: -200, max: 200 }),
        (m, a, b) => {
          expect(addMonths(addMonths(m, a), b)).toBe(addMonths(m, a + b));
          expect(previousMonth(nextMonth(m))).toBe(m);
          expect(nextMonth(m) > m).toBe(true);
        },
      ),
    );
  });

  it('monthsBetween is consecutive and the right length', () => {
    fc.assert(
      fc.property(monthArb, fc.integer({ min: 0, max: 60 }), (from, n) => {
        const months = monthsBetween(from, addMonths(from, n));
        expect(months).toHaveLength(n);
        months.forEach((m, i) => {
          expect(m).toBe(addMonths(from, i));
        });
      }),
    );
  });
});

describe('monthOf and localDate', () => {
  it.each([
    ['2024-01-01T04:59:59.999Z', 'America/New_York', '2023-12', '2023-12-31'],
    ['2024-01-01T05:00:00Z', 'America/New_York', '2024-01', '2024-01-01'],
    ['2024-03-31T21:59:59Z', 'Europe/Berlin', '2024-03', '2024-03-31'],
    ['2024-03-31T22:00:00Z', 'Europe/Berlin', '2024-04', '2024-04-01'],
    ['2023-12-31T12:59:59Z', 'Australia/Sydney', '2023-12', '2023-12-31'],
    ['2023-12-31T13:00:00Z', 'Australia/Sydney', '2024-01', '2024-01-01'],
    ['2023-12-31T10:14:59Z', 'Pacific/Chatham', '2023-12', '2023-12-31'],
    ['2023-12-31T10:15:00Z', 'Pacific/Chatham', '2024-01', '2024-01-01'],
    ['2024-02-29T23:59:59Z', 'UTC', '2024-02', '2024-02-29'],
  ])('%s in %s is in %s (%s)', (instant, zone, month, date) => {
    expect(monthOf(utc(instant), zone)).toBe(month);
    expect(localDate(utc(instant), zone)).toBe(date);
  });

  it('refuses unknown zones and invalid dates', () => {
    expect(() => monthOf(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => localDate(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('monthStart', () => {
  it.each([
    ['2024-01', 'UTC', '2024-01-01T00:00:00.000Z'],
    ['2024-03', 'America/New_York', '2024-03-01T05:00:00.000Z'], // EST
    ['2024-04', 'America/New_York', '2024-04-01T04:00:00.000Z'], // EDT since Mar 10
    ['2024-11', 'America/New_York', '2024-11-01T04:00:00.000Z'], // still EDT until Nov 3
    ['2024-12', 'America/New_York', '2024-12-01T05:00:00.000Z'],
    ['2024-03', 'Europe/Berlin', '2024-02-29T23:00:00.000Z'],
    ['2024-04', 'Europe/Berlin', '2024-03-31T22:00:00.000Z'], // CEST since Mar 31, 02:00
    ['2024-11', 'Europe/Berlin', '2024-10-31T23:00:00.000Z'],
    ['2024-01', 'Australia/Sydney', '2023-12-31T13:00:00.000Z'], // AEDT +11
    ['2024-04', 'Australia/Sydney', '2024-03-31T13:00:00.000Z'], // still AEDT until Apr 7
    ['2024-05', 'Australia/Sydney', '2024-04-30T14:00:00.000Z'], // AEST +10
    ['2024-10', 'Australia/Sydney', '2024-09-30T14:00:00.000Z'], // AEDT from Oct 6
    ['2024-01', 'Pacific/Chatham', '2023-12-31T10:15:00.000Z'], // +13:45
    ['2024-05', 'Pacific/Chatham', '2024-04-30T11:15:00.000Z'], // +12:45
    ['2025-01', 'Pacific/Kiritimati', '2024-12-31T10:00:00.000Z'],
    ['2025-01', 'Pacific/Pago_Pago', '2025-01-01T11:00:00.000Z'],
  ])('%s in %s begins at %s', (month, zone, expected) => {
    expect(iso(monthStart(month, zone))).toBe(expected);
  });

  it('begins at the first instant after a DST gap when midnight itself is skipped', () => {
    // Asunción moved clocks from 00:00 to 01:00 on 2023-10-01; Havana on 2012-04-01.
    expect(iso(monthStart('2023-10', 'America/Asuncion'))).toBe('2023-10-01T04:00:00.000Z');
    expect(iso(monthStart('2012-04', 'America/Havana'))).toBe('2012-04-01T05:00:00.000Z');
  });

  it('takes the first of two midnights when clocks go back at 01:00', () => {
    // Havana went from 01:00 back to 00:00 on 2015-11-01: local midnight happened at 04:00Z and 05:00Z.
    expect(iso(monthStart('2015-11', 'America/Havana'))).toBe('2015-11-01T04:00:00.000Z');
  });

  it('is the first instant of the month, in every zone', () => {
    fc.assert(
      fc.property(monthArb, fc.constantFrom(...ZONES), (m, zone) => {
        const start = monthStart(m, zone);
        expect(monthOf(start, zone)).toBe(m);
        expect(monthOf(new Date(start.getTime() - 1), zone)).toBe(previousMonth(m));
        expect(start.getTime()).toBeLessThan(monthStart(nextMonth(m), zone).getTime());
      }),
      { numRuns: 500 },
    );
  });

  it('puts every instant between its month’s start and the next', () => {
    fc.assert(
      fc.property(
        fc.date({ min: utc('2000-02-01T00:00:00Z'), max: utc('2999-11-30T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(...ZONES),
        (instant, zone) => {
          const m = monthOf(instant, zone);
          expect(monthStart(m, zone).getTime()).toBeLessThanOrEqual(instant.getTime());
          expect(monthStart(nextMonth(m), zone).getTime()).toBeGreaterThan(instant.getTime());
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('calendar dates', () => {
  it('adds months with the day clamped', () => {
    expect(addMonthsToDate('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonthsToDate('2024-01-31', 13)).toBe('2025-02-28');
    expect(addMonthsToDate('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonthsToDate('2024-12-15', 1)).toBe('2025-01-15');
    expect(addMonthsToDate('2024-05-30', 1)).toBe('2024-06-30');
    expect(addMonthsToDate('2099-01-29', 13)).toBe('2100-02-28'); // 2100 is no leap year
    expect(addMonthsToDate('1999-12-31', 2)).toBe('2000-02-29'); // 2000 is one
  });

  it('adds days and counts them', () => {
    expect(addDaysToDate('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDaysToDate('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDaysToDate('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetweenDates('2024-02-15', '2024-03-15')).toBe(29);
    expect(daysBetweenDates('2024-07-15', '2024-08-15')).toBe(31);
    expect(daysBetweenDates('2024-03-15', '2024-02-15')).toBe(-29);
  });

  it('refuses impossible dates', () => {
    expect(() => addDaysToDate('2023-02-29', 1)).toThrow(RangeError);
    expect(() => addMonthsToDate('2024-1-01', 1)).toThrow(RangeError);
  });

  it('adding days is undone by counting them', () => {
    fc.assert(
      fc.property(
        fc.date({ min: utc('2000-01-01T00:00:00Z'), max: utc('2900-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -5000, max: 5000 }),
        (instant, n) => {
          const date = localDate(instant, 'UTC');
          expect(daysBetweenDates(date, addDaysToDate(date, n))).toBe(n);
        },
      ),
    );
  });
});

describe('dayStart and isDate', () => {
  it('gives the instant a local date begins, across time zones', () => {
    expect(dayStart('2026-12-01', 'UTC').toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(dayStart('2026-07-01', 'America/New_York').toISOString()).toBe('2026-07-01T04:00:00.000Z');
    expect(dayStart('2026-12-01', 'Asia/Tokyo').toISOString()).toBe('2026-11-30T15:00:00.000Z');
  });

  it('accepts only real calendar dates', () => {
    expect(['2026-02-28', '2028-02-29', '2026-12-31'].every(isDate)).toBe(true);
    expect(['2026-02-29', '2026-13-01', '2026-1-1', '26-01-01', '2026-04-31', ''].some(isDate)).toBe(false);
  });

  it('knows the length of every month of 2000–2999 as the calendar does (leap years, centuries)', () => {
    for (let year = 2000; year <= 2999; year++) {
      for (let month = 1; month <= 12; month++) {
        const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
        const day = (d: number) => `${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        expect(isDate(day(last))).toBe(true);
        if (last < 31) expect(isDate(day(last + 1))).toBe(false);
      }
    }
  });
});
