import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInvoiceNumber, parseInvoiceNumber } from '../../src/domain/invoice.js';
import {
  agingBucket,
  allocateSettlement,
  dueDateFor,
  invoiceState,
  invoiceStatus,
  outstanding,
  paymentReferenceSchema,
  reminderDay,
  writeOffReasonSchema,
} from '../../src/domain/receivables.js';

describe('invoice numbers', () => {
  it('are made and read in exactly one format', () => {
    expect(formatInvoiceNumber('2026', 2)).toBe('INV-2026-00002');
    expect(formatInvoiceNumber('2026', 123_456)).toBe('INV-2026-123456');
    expect(parseInvoiceNumber(' inv-2026-00002 ')).toEqual({ ok: true, number: 'INV-2026-00002' });
    expect(parseInvoiceNumber('INV-2026-123456')).toEqual({ ok: true, number: 'INV-2026-123456' });
    for (const bad of [
      'INV-2026-0002',
      'INV-2026-012345',
      'INV-26-00002',
      'INV-2026-00002x',
      '',
      'INV 2026 00002',
    ]) {
      const parsed = parseInvoiceNumber(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain('is not an invoice number (INV-YYYY-NNNNN');
    }
  });

  it('reads back every number it makes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2999 }), fc.integer({ min: 1, max: 999_999_999 }), (y, n) => {
        const number = formatInvoiceNumber(String(y), n);
        expect(parseInvoiceNumber(number)).toEqual({ ok: true, number });
      }),
    );
  });
});

describe('what an invoice owes and its state', () => {
  it('subtracts settlements and the write-off from the amount due', () => {
    expect(outstanding(19_000n, [5_000n, 4_000n], 0n)).toBe(10_000n);
    expect(outstanding(19_000n, [9_000n], 10_000n)).toBe(0n);
  });

  it('is paid with nothing outstanding, due otherwise, written off once written off', () => {
    expect(invoiceStatus(0n, false)).toBe('paid');
    expect(invoiceStatus(1n, false)).toBe('due');
    expect(invoiceStatus(0n, true)).toBe('written_off');
  });

  it('turns overdue the day after its due date, and only when due', () => {
    expect(dueDateFor('2026-12-01', 7)).toBe('2026-12-08');
    expect(dueDateFor('2026-12-28', 7)).toBe('2027-01-04');
    expect(dueDateFor('2026-12-01', 0)).toBe('2026-12-01');
    expect(invoiceState('due', '2026-12-08', '2026-12-08')).toBe('due');
    expect(invoiceState('due', '2026-12-08', '2026-12-09')).toBe('overdue');
    expect(invoiceState('paid', '2026-12-08', '2027-06-01')).toBe('paid');
    expect(invoiceState('written_off', '2026-12-08', '2027-06-01')).toBe('written_off');
  });

  it('ages what is past due in buckets of 30 days', () => {
    expect([-3, 0, 1, 30, 31, 60, 61, 90, 91, 400].map(agingBucket)).toEqual([
      'not_yet_due',
      'not_yet_due',
      'days_1_30',
      'days_1_30',
      'days_31_60',
      'days_31_60',
      'days_61_90',
      'days_61_90',
      'over_90',
      'over_90',
    ]);
  });

  it('reminds on the latest reminder day reached, none before the first', () => {
    const days = [3, 7];
    expect([0, 2, 3, 6, 7, 30].map((d) => reminderDay(d, days))).toEqual([null, null, 3, 3, 7, 7]);
    expect(reminderDay(5, [])).toBeNull();
  });
});

describe('settlement of open invoices', () => {
  it('pays the oldest month first, min(outstanding, what is left) each', () => {
    const open = [
      { id: 9, month: '2026-12', outstandingCents: 30_000n },
      { id: 4, month: '2026-11', outstandingCents: 19_000n },
    ];
    expect(allocateSettlement(50_000n, open)).toEqual([
      { invoice: open[1], amountCents: 19_000n },
      { invoice: open[0], amountCents: 30_000n },
    ]);
    expect(allocateSettlement(20_000n, open)).toEqual([
      { invoice: open[1], amountCents: 19_000n },
      { invoice: open[0], amountCents: 1_000n },
    ]);
    expect(allocateSettlement(0n, open)).toEqual([]);
  });

  it('never pays more than the balance or than an invoice owes, and pays as much as it can', () => {
    const invoice = fc.record({
      id: fc.integer({ min: 1, max: 1_000 }),
      month: fc.constantFrom('2026-10', '2026-11', '2026-12'),
      outstandingCents: fc.bigInt({ min: 0n, max: 100_000n }),
    });
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 300_000n }),
        fc.uniqueArray(invoice, { selector: (i) => i.id }),
        (balance, open) => {
          const paid = allocateSettlement(balance, open);
          const total = paid.reduce((t, p) => t + p.amountCents, 0n);
          const owed = open.reduce((t, i) => t + i.outstandingCents, 0n);
          // As much as it can: all it holds, or all that is owed.
          expect(total === balance || total === owed).toBe(true);
          expect(total <= balance && total <= owed).toBe(true);
          for (const p of paid) {
            expect(p.amountCents > 0n && p.amountCents <= p.invoice.outstandingCents).toBe(true);
          }
          // Only the last invoice paid may be paid in part: the older ones are paid in full first.
          for (const p of paid.slice(0, -1)) expect(p.amountCents).toBe(p.invoice.outstandingCents);
        },
      ),
    );
  });
});

describe('finance notes', () => {
  it('keeps a write-off reason of 1–200 printable characters and a reference of up to 200', () => {
    expect(writeOffReasonSchema.parse('  customer went out of business ')).toBe(
      'customer went out of business',
    );
    expect(writeOffReasonSchema.safeParse('   ').success).toBe(false);
    expect(writeOffReasonSchema.safeParse('x'.repeat(201)).success).toBe(false);
    expect(writeOffReasonSchema.safeParse('bad\u202Etext').success).toBe(false);
    expect(paymentReferenceSchema.parse('')).toBe('');
    expect(paymentReferenceSchema.safeParse('wire\u0000').success).toBe(false);
  });
});
