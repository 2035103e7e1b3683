import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney, groupDigits } from '../../src/domain/money.js';
import { Remembered } from '../../src/domain/remembered.js';

describe('Remembered', () => {
  it('computes a key once, and again only after it was forgotten when full', () => {
    const cache = new Remembered<string>(2);
    let computed = 0;
    const of = (key: string) =>
      cache.of(key, () => {
        computed += 1;
        return key.toUpperCase();
      });
    expect([of('a'), of('a'), of('b'), of('a')]).toEqual(['A', 'A', 'B', 'A']);
    expect(computed).toBe(2);
    expect(of('c')).toBe('C'); // full: everything forgotten, then c kept
    expect(of('a')).toBe('A');
    expect(computed).toBe(4);
  });
});

// The remembered formats are the Intl rule itself: whatever was asked before, and across the caches' clearing
// (more keys than they keep), an amount reads exactly as a fresh formatter writes it.
describe('remembered formats', () => {
  const currencies = ['USD', 'EUR', 'JPY', 'BHD', 'GBP'];
  const digits: Record<string, number> = { USD: 2, EUR: 2, JPY: 0, BHD: 3, GBP: 2 };
  const fresh = (cents: bigint, currency: string) => {
    const scale = 10n ** BigInt(digits[currency]!);
    const sign = cents < 0n ? '-' : '';
    const abs = cents < 0n ? -cents : cents;
    const fraction =
      digits[currency]! > 0 ? `.${(abs % scale).toString().padStart(digits[currency]!, '0')}` : '';
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(
      `${sign}${abs / scale}${fraction}` as `${number}`,
    );
  };

  it('formatMoney matches a fresh Intl formatter for any amount and currency', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.constantFrom(...currencies),
        (cents, currency) => {
          expect(formatMoney(cents, currency)).toBe(fresh(cents, currency));
        },
      ),
    );
  });

  it('formatMoney still matches after more amounts than it keeps, asked twice over', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0n; i < 10_000n; i++) {
        const currency = currencies[Number(i % 5n)]!;
        expect(formatMoney(i * 7n - 30_000n, currency)).toBe(fresh(i * 7n - 30_000n, currency));
      }
    }
  });

  it('groupDigits keeps 0 and -0 apart, and numbers and bigints alike', () => {
    const intl = new Intl.NumberFormat('en-US');
    for (const n of [-0, 0, 1_000_000, -1234, 0.5]) expect(groupDigits(n)).toBe(intl.format(n));
    expect(groupDigits(0)).toBe('0');
    expect(groupDigits(1_000_000n)).toBe('1,000,000');
  });
});
