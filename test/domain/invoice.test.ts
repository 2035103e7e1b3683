import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chargeFor, type InvoiceFigures, invoiceLines } from '../../src/domain/invoice.js';

const devices = fc.integer({ min: 0, max: 2_000_000 });
const price = fc.bigInt({ min: 0n, max: 100_000n });
const balance = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10n ** 15n }));

/** The figures the invoice run stores, made the way it makes them. */
function figures(
  billed: number,
  covered: number,
  unitPriceCents: bigint,
  balanceCents: bigint,
): InvoiceFigures {
  const c = chargeFor(billed, covered, unitPriceCents, balanceCents);
  return { unitPriceCents, billedDevices: billed, coveredDevices: covered, ...c };
}

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe('chargeFor', () => {
  it('charges billable devices at the unit price and draws what the balance allows', () => {
    expect(chargeFor(120, 0, 400n, 300_000n)).toEqual({
      billableDevices: 120,
      chargeCents: 48_000n,
      paidFromBalanceCents: 48_000n,
      amountDueCents: 0n,
      status: 'paid',
    });
    expect(chargeFor(120, 20, 400n, 10_000n)).toEqual({
      billableDevices: 100,
      chargeCents: 40_000n,
      paidFromBalanceCents: 10_000n,
      amountDueCents: 30_000n,
      status: 'due',
    });
  });

  it('never bills fewer than zero devices when packs cover more than were billed', () => {
    expect(chargeFor(10, 50, 200n, 0n)).toEqual({
      billableDevices: 0,
      chargeCents: 0n,
      paidFromBalanceCents: 0n,
      amountDueCents: 0n,
      status: 'paid',
    });
  });

  it('is due in full with an empty balance', () => {
    expect(chargeFor(5, 0, 200n, 0n)).toMatchObject({
      paidFromBalanceCents: 0n,
      amountDueCents: 1_000n,
      status: 'due',
    });
  });

  it('refuses negative or fractional inputs', () => {
    expect(() => chargeFor(-1, 0, 200n, 0n)).toThrow(RangeError);
    expect(() => chargeFor(1.5, 0, 200n, 0n)).toThrow(RangeError);
    expect(() => chargeFor(1, -1, 200n, 0n)).toThrow(RangeError);
    expect(() => chargeFor(1, 0, -1n, 0n)).toThrow(RangeError);
    expect(() => chargeFor(1, 0, 200n, -1n)).toThrow(RangeError);
  });

  it('is exact at any size (no floats)', () => {
    const c = chargeFor(Number.MAX_SAFE_INTEGER, 0, 10n ** 12n, 0n);
    expect(c.chargeCents).toBe(BigInt(Number.MAX_SAFE_INTEGER) * 10n ** 12n);
  });

  it('property: never negative, the wallet never below zero, charge = paid + due', () => {
    fc.assert(
      fc.property(devices, devices, price, balance, (billed, covered, unit, bal) => {
        const c = chargeFor(billed, covered, unit, bal);
        expect(c.billableDevices).toBe(Math.max(billed - covered, 0));
        expect(c.chargeCents).toBe(BigInt(c.billableDevices) * unit);
        expect(c.paidFromBalanceCents >= 0n).toBe(true);
        expect(c.amountDueCents >= 0n).toBe(true);
        expect(c.paidFromBalanceCents <= bal).toBe(true);
        expect(bal - c.paidFromBalanceCents >= 0n).toBe(true);
        expect(c.paidFromBalanceCents + c.amountDueCents).toBe(c.chargeCents);
        // The balance pays as much as it can: something is due only when the wallet is emptied.
        if (c.amountDueCents > 0n) expect(c.paidFromBalanceCents).toBe(bal);
        expect(c.status).toBe(c.amountDueCents === 0n ? 'paid' : 'due');
      }),
      { numRuns: 500 },
    );
  });
});

describe('invoiceLines', () => {
  it('shows usage, paid from balance and amount due', () => {
    expect(invoiceLines(figures(120, 0, 400n, 300_000n))).toEqual([
      {
        kind: 'usage',
        label: 'Devices (highest count in the month)',
        quantity: 120,
        unitPriceCents: 400n,
        amountCents: 48_000n,
      },
      {
        kind: 'paid_from_balance',
        label: 'Paid from balance',
        quantity: null,
        unitPriceCents: null,
        amountCents: -48_000n,
      },
      { kind: 'amount_due', label: 'Amount due', quantity: null, unitPriceCents: null, amountCents: 0n },
    ]);
  });

  it('shows license pack coverage as its own line', () => {
    const lines = invoiceLines(figures(120, 20, 400n, 10_000n));
    expect(lines.map((l) => l.kind)).toEqual(['usage', 'coverage', 'paid_from_balance', 'amount_due']);
    expect(lines[1]).toEqual({
      kind: 'coverage',
      label: 'License packs cover 20 devices',
      quantity: 20,
      unitPriceCents: 400n,
      amountCents: -8_000n,
    });
    expect(lines[2]!.amountCents).toBe(-10_000n);
    expect(lines[3]!.amountCents).toBe(30_000n);
  });

  it('applies only the coverage that was used when fewer devices were billed than the packs hold', () => {
    const lines = invoiceLines(figures(30, 1_500, 200n, 0n));
    expect(lines[1]).toMatchObject({
      kind: 'coverage',
      label: 'License packs cover 30 devices (up to 1,500; 30 billed)',
      quantity: 30,
      amountCents: -6_000n,
    });
    expect(lines[3]).toMatchObject({ kind: 'amount_due', amountCents: 0n });
  });

  it('says 1 device in the singular', () => {
    expect(invoiceLines(figures(1, 1, 200n, 0n))[1]!.label).toBe('License packs cover 1 device');
  });

  it('property: usage + coverage = charge = paid + due; amount due is always there', () => {
    fc.assert(
      fc.property(devices, devices, price, balance, (billed, covered, unit, bal) => {
        const f = figures(billed, covered, unit, bal);
        const lines = invoiceLines(f);
        const of = (kind: string) => lines.filter((l) => l.kind === kind);
        expect(of('usage')).toHaveLength(1);
        expect(of('amount_due')).toHaveLength(1);
        expect(of('paid_from_balance')).toHaveLength(1);
        expect(of('coverage')).toHaveLength(covered > 0 ? 1 : 0);
        const charge = sum([...of('usage'), ...of('coverage')].map((l) => l.amountCents));
        expect(charge).toBe(f.chargeCents);
        expect(-of('paid_from_balance')[0]!.amountCents + of('amount_due')[0]!.amountCents).toBe(charge);
        expect(of('amount_due')[0]!.amountCents >= 0n).toBe(true);
        for (const l of lines) {
          if (l.quantity !== null && l.unitPriceCents !== null) {
            const product = BigInt(l.quantity) * l.unitPriceCents;
            expect(l.amountCents === product || l.amountCents === -product).toBe(true);
            expect(l.quantity).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
