import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimate, monthlyCost, reloadToCover } from '../../src/domain/pricing.js';

describe('estimate', () => {
  it('prices 120 devices × 24 months on plus at $11,520.00', () => {
    expect(estimate(120, 24, 400n)).toEqual({
      devices: 120,
      months: 24,
      unitPriceCents: 400n,
      monthlyCents: 48_000n,
      totalCents: 1_152_000n,
      comparison: [
        { months: 12, totalCents: 576_000n },
        { months: 24, totalCents: 1_152_000n },
        { months: 36, totalCents: 1_728_000n },
      ],
    });
  });

  it('prices 50 devices × 12 months on standard at $1,200.00', () => {
    expect(estimate(50, 12, 200n).totalCents).toBe(120_000n);
  });

  it('stays exact where floats would not', () => {
    // 1,000,000 × 120 × 9,007,199,254,740,993 is far beyond 2^53.
    expect(estimate(1_000_000, 120, 9_007_199_254_740_993n).totalCents).toBe(
      1_080_863_910_568_919_160_000_000n,
    );
  });

  it('total = devices × months × price, comparisons share the devices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 120 }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (devices, months, price) => {
          const e = estimate(devices, months, price);
          expect(e.totalCents).toBe(BigInt(devices) * BigInt(months) * price);
          expect(e.monthlyCents * BigInt(months)).toBe(e.totalCents);
          expect(e.comparison.map((c) => c.months)).toEqual([12, 24, 36]);
          for (const c of e.comparison) expect(c.totalCents).toBe(BigInt(devices) * BigInt(c.months) * price);
        },
      ),
    );
  });

  it('refuses counts that are not whole numbers, and negative prices', () => {
    expect(() => estimate(2.5, 12, 200n)).toThrow(RangeError);
    expect(() => estimate(10, -1, 200n)).toThrow(RangeError);
    expect(() => estimate(Number.NaN, 12, 200n)).toThrow(RangeError);
    expect(() => estimate(10, 12, -1n)).toThrow(RangeError);
  });
});

describe('monthlyCost', () => {
  it('charges only devices not covered by license packs', () => {
    expect(monthlyCost(120, 0, 400n)).toBe(48_000n);
    expect(monthlyCost(120, 20, 400n)).toBe(40_000n);
    expect(monthlyCost(120, 120, 400n)).toBe(0n);
    expect(monthlyCost(100, 250, 400n)).toBe(0n);
  });

  it('is max(devices − covered, 0) × price', () => {
    fc.assert(
      fc.property(
        fc.nat(2_000_000),
        fc.nat(2_000_000),
        fc.bigInt({ min: 0n, max: 10_000n }),
        (d, c, price) => {
          const cost = monthlyCost(d, c, price);
          expect(cost).toBe(BigInt(Math.max(d - c, 0)) * price);
          expect(cost >= 0n).toBe(true);
        },
      ),
    );
  });
});

describe('reloadToCover', () => {
  it('asks for what is missing to cover the months', () => {
    expect(reloadToCover(300_000n, 48_000n, 12)).toBe(276_000n);
    expect(reloadToCover(0n, 48_000n, 1)).toBe(48_000n);
  });

  it('asks for nothing when the balance already covers it', () => {
    expect(reloadToCover(576_000n, 48_000n, 12)).toBe(0n);
    expect(reloadToCover(1_000_000n, 48_000n, 12)).toBe(0n);
    expect(reloadToCover(5n, 0n, 12)).toBe(0n);
  });

  it('after reloading, the balance covers exactly or more', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.integer({ min: 0, max: 120 }),
        (balance, monthly, months) => {
          const reload = reloadToCover(balance, monthly, months);
          const needed = monthly * BigInt(months);
          expect(reload >= 0n).toBe(true);
          expect(balance + reload >= needed).toBe(true);
          if (reload > 0n) expect(balance + reload).toBe(needed);
        },
      ),
    );
  });
});
