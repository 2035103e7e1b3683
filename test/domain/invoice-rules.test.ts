import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dueDateFor as dueDate,
  invoiceStatus,
  outstanding,
  invoiceState as stateOf,
} from '../../src/domain/receivables.js';

// The invoice-document rules as the receivables rules give them (one place: src/domain/receivables.ts).
const outstandingCents = (due: bigint, settled: bigint[], writtenOff: bigint | null) =>
  outstanding(due, settled, writtenOff ?? 0n);
const invoiceState = (o: { outstandingCents: bigint; writtenOff: boolean; dueDate: string; today: string }) =>
  stateOf(invoiceStatus(o.outstandingCents, o.writtenOff), o.dueDate, o.today);

describe('dueDate', () => {
  it('is the issue date plus the payment terms, across months, years and leap days', () => {
    expect(dueDate('2026-02-01', 7)).toBe('2026-02-08');
    expect(dueDate('2026-02-01', 0)).toBe('2026-02-01');
    expect(dueDate('2026-12-28', 7)).toBe('2027-01-04');
    expect(dueDate('2028-02-25', 4)).toBe('2028-02-29');
    expect(dueDate('2026-01-01', 365)).toBe('2027-01-01');
  });

  it.each([-1, 366, 1.5, Number.NaN])('refuses %s days of terms', (days) => {
    expect(() => dueDate('2026-02-01', days)).toThrow(RangeError);
  });
});

describe('outstandingCents', () => {
  it('takes settlements and the write-off off the amount due', () => {
    expect(outstandingCents(19_000n, [], null)).toBe(19_000n);
    expect(outstandingCents(19_000n, [10_000n, 4_000n], null)).toBe(5_000n);
    expect(outstandingCents(19_000n, [19_000n], null)).toBe(0n);
    expect(outstandingCents(19_000n, [10_000n], 9_000n)).toBe(0n);
    expect(outstandingCents(19_000n, [], 19_000n)).toBe(0n);
  });

  it('refuses what would print a negative debt, a partial write-off and empty settlements', () => {
    expect(() => outstandingCents(19_000n, [10_000n, 9_001n], null)).toThrow(
      'settlements exceed the amount due by 1',
    );
    expect(() => outstandingCents(19_000n, [10_000n], 5_000n)).toThrow(
      'whole outstanding amount (4000 left)',
    );
    expect(() => outstandingCents(19_000n, [10_000n], 10_000n)).toThrow(
      'whole outstanding amount (-1000 left)',
    );
    expect(() => outstandingCents(19_000n, [0n], null)).toThrow('a settlement must be positive');
    expect(() => outstandingCents(19_000n, [-5n], null)).toThrow('a settlement must be positive');
    expect(() => outstandingCents(19_000n, [], -1n)).toThrow('a write-off must not be negative');
    expect(() => outstandingCents(-1n, [], null)).toThrow('amount due must not be negative');
  });

  it('is the amount due minus what was settled, never below zero (random splits)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { maxLength: 20 }),
        (due, settlements) => {
          const settled = settlements.reduce((a, b) => a + b, 0n);
          if (settled > due) {
            expect(() => outstandingCents(due, settlements, null)).toThrow(RangeError);
          } else {
            expect(outstandingCents(due, settlements, null)).toBe(due - settled);
            const left = due - settled;
            if (left > 0n) expect(outstandingCents(due, settlements, left)).toBe(0n);
          }
        },
      ),
    );
  });
});

describe('invoiceState', () => {
  const open = { outstandingCents: 19_000n, writtenOff: false, dueDate: '2026-02-08' };

  it('is due up to and including the due date, overdue from the day after', () => {
    expect(invoiceState({ ...open, today: '2026-02-01' })).toBe('due');
    expect(invoiceState({ ...open, today: '2026-02-08' })).toBe('due');
    expect(invoiceState({ ...open, today: '2026-02-09' })).toBe('overdue');
    expect(invoiceState({ ...open, today: '2027-01-01' })).toBe('overdue');
  });

  it('is paid when nothing is outstanding, however late, and written off once written off', () => {
    expect(invoiceState({ ...open, outstandingCents: 0n, today: '2026-03-01' })).toBe('paid');
    expect(invoiceState({ ...open, outstandingCents: 0n, writtenOff: true, today: '2026-03-01' })).toBe(
      'written_off',
    );
  });
});
