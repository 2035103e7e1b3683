import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DocumentLine, InvoiceSettlement } from '../../src/app/invoice-document.js';
import { chargeFor } from '../../src/domain/invoice.js';
import {
  BANK_TRANSFER,
  documentOf,
  ISSUED_AT,
  RELOAD,
  SETTINGS,
  STORED,
} from '../support/invoice-documents.js';

const at = (iso: string) => new Date(iso);
const kinds = (lines: DocumentLine[]) => lines.map((l) => l.kind);
const line = (lines: DocumentLine[], kind: DocumentLine['kind']) => lines.find((l) => l.kind === kind);

describe('invoiceDocument', () => {
  it('carries the issuer, the customer, the number, the dates and the period', () => {
    const d = documentOf();
    expect(d).toMatchObject({
      number: 'INV-2026-00042',
      issuer: { name: 'Balance Devices Inc.', addressLines: ['1 Market Street', 'San Francisco, CA 94105'] },
      billTo: { accountName: 'Acme Łódź – Müller & Söhne', planName: 'Plus' },
      currency: 'USD',
      billingMonth: '2026-01',
      period: { from: '2026-01-01', to: '2026-01-31' },
      issueDate: '2026-02-01',
      dueDate: '2026-02-08',
      chargeCents: 40_000n,
      outstandingCents: 19_000n,
      status: 'due',
      statusDate: '2026-02-08',
      issuedAt: ISSUED_AT,
      changedAt: ISSUED_AT,
    });
  });

  it('lists usage, coverage, the charge, what the balance paid and what is outstanding', () => {
    const { lines } = documentOf();
    expect(lines).toEqual([
      {
        kind: 'usage',
        label: 'Devices (highest count in the month)',
        detail: 'Plus plan, per device per month',
        date: null,
        quantity: 120,
        unitPriceCents: 400n,
        amountCents: 48_000n,
      },
      {
        kind: 'coverage',
        label: 'License packs cover 20 devices',
        detail: null,
        date: null,
        quantity: 20,
        unitPriceCents: 400n,
        amountCents: -8_000n,
      },
      {
        kind: 'charge',
        label: 'Charge',
        detail: null,
        date: null,
        quantity: null,
        unitPriceCents: null,
        amountCents: 40_000n,
      },
      {
        kind: 'paid_from_balance',
        label: 'Paid from balance',
        detail: null,
        date: '2026-02-01',
        quantity: null,
        unitPriceCents: null,
        amountCents: -21_000n,
      },
      {
        kind: 'outstanding',
        label: 'Outstanding',
        detail: null,
        date: null,
        quantity: null,
        unitPriceCents: null,
        amountCents: 19_000n,
      },
    ]);
  });

  it('has no coverage line for an account without license packs', () => {
    const invoice = {
      ...STORED,
      coveredDevices: 0,
      billableDevices: 120,
      chargeCents: 48_000n,
      amountDueCents: 27_000n,
    };
    expect(kinds(documentOf({ invoice }).lines)).toEqual([
      'usage',
      'charge',
      'paid_from_balance',
      'outstanding',
    ]);
  });

  it('lists each settlement oldest first, with its day and reference, and takes it off', () => {
    const d = documentOf({ settlements: [BANK_TRANSFER, RELOAD], now: at('2026-02-06T00:00:00Z') });
    const settlements = d.lines.filter((l) => l.kind === 'settlement');
    expect(settlements).toEqual([
      expect.objectContaining({
        label: 'Paid by reload',
        detail: 'Ref. pay_123',
        date: '2026-02-03',
        amountCents: -10_000n,
      }),
      expect.objectContaining({
        label: 'Payment received',
        detail: 'Ref. BANK-778',
        date: '2026-02-05',
        amountCents: -9_000n,
      }),
    ]);
    expect(d.outstandingCents).toBe(0n);
    expect(d.status).toBe('paid');
    expect(d.statusDate).toBe('2026-02-05');
    expect(d.changedAt).toEqual(BANK_TRANSFER.at);
  });

  it('labels every kind of credit, and leaves out a reference there is none of', () => {
    const credit = (source: InvoiceSettlement['source'], reference: string | null): InvoiceSettlement => ({
      at: at('2026-02-02T00:00:00Z'),
      amountCents: 1_000n,
      source,
      reference,
    });
    const d = documentOf({
      settlements: [
        credit('reload', null),
        credit('code', 'BAL-…-WXYZ'),
        credit('adjustment', null),
        credit('offline_payment', 'wire 1'),
      ],
    });
    expect(d.lines.filter((l) => l.kind === 'settlement').map((l) => [l.label, l.detail])).toEqual([
      ['Paid by reload', null],
      ['Paid by code redemption', 'Ref. BAL-…-WXYZ'],
      ['Paid by balance adjustment', null],
      ['Payment received', 'Ref. wire 1'],
    ]);
    expect(d.outstandingCents).toBe(15_000n);
  });

  it('shows a write-off with its day and reason, leaving nothing outstanding', () => {
    const writeOff = {
      at: at('2026-03-15T12:00:00Z'),
      amountCents: 9_000n,
      reason: 'Customer went out of business',
    };
    const d = documentOf({ settlements: [RELOAD], writeOff, now: at('2026-04-01T00:00:00Z') });
    expect(line(d.lines, 'write_off')).toEqual({
      kind: 'write_off',
      label: 'Written off',
      detail: 'Customer went out of business',
      date: '2026-03-15',
      quantity: null,
      unitPriceCents: null,
      amountCents: -9_000n,
    });
    expect(kinds(d.lines).slice(-3)).toEqual(['settlement', 'write_off', 'outstanding']);
    expect(d).toMatchObject({ outstandingCents: 0n, status: 'written_off', statusDate: '2026-03-15' });
    expect(d.changedAt).toEqual(writeOff.at);
  });

  it('is due until the due date and overdue from the day after, in the billing time zone', () => {
    expect(documentOf({ now: at('2026-02-08T23:59:59Z') }).status).toBe('due');
    const overdue = documentOf({ now: at('2026-02-09T00:00:00Z') });
    expect(overdue).toMatchObject({ status: 'overdue', statusDate: '2026-02-09' });
    // Issued at 03:00 UTC on Feb 1, which is still Jan 31 in Los Angeles: the run stored Jan 31, and "today" is
    // read in the billing time zone too.
    const la = (now: string) =>
      documentOf({
        invoice: {
          ...STORED,
          createdAt: at('2026-02-01T03:00:00Z'),
          issueDate: '2026-01-31',
          dueDate: '2026-02-07',
        },
        settings: { ...SETTINGS, timeZone: 'America/Los_Angeles' },
        now: at(now),
      });
    expect(la('2026-02-08T07:59:59Z')).toMatchObject({
      issueDate: '2026-01-31',
      dueDate: '2026-02-07',
      status: 'due',
    });
    expect(la('2026-02-08T08:00:00Z').status).toBe('overdue');
  });

  it('is paid at issue when the balance paid it all', () => {
    const invoice = { ...STORED, paidFromBalanceCents: 40_000n, amountDueCents: 0n };
    const d = documentOf({ invoice, now: at('2026-06-01T00:00:00Z') });
    expect(d).toMatchObject({ status: 'paid', statusDate: '2026-02-01', outstandingCents: 0n });
  });

  it("shows the issue and due dates stored at issue, not ones recomputed from today's settings", () => {
    // Issued with 30 days' terms (PAYMENT_TERMS_DAYS has changed since, and the issue instant is another day in
    // other zones): the document keeps the invoice's own dates, and is due until its stored due date.
    const invoice = {
      ...STORED,
      month: '2028-02',
      createdAt: at('2028-03-01T09:00:00Z'),
      issueDate: '2028-03-01',
      dueDate: '2028-03-31',
    };
    const d = documentOf({ invoice, settings: { ...SETTINGS, timeZone: 'Pacific/Kiritimati' } });
    expect(d).toMatchObject({
      period: { from: '2028-02-01', to: '2028-02-29' },
      issueDate: '2028-03-01',
      dueDate: '2028-03-31',
    });
    expect(documentOf({ invoice, now: at('2028-03-31T23:59:59Z') }).status).toBe('due');
    expect(documentOf({ invoice, now: at('2028-04-01T00:00:00Z') })).toMatchObject({
      status: 'overdue',
      statusDate: '2028-04-01',
    });
  });

  it('has no issuer block when INVOICE_ISSUER is unset', () => {
    expect(documentOf({ settings: { ...SETTINGS, issuer: null } }).issuer).toBeNull();
  });

  it('refuses settlements beyond the amount due rather than print a negative debt', () => {
    const tooMuch = { ...BANK_TRANSFER, amountCents: 9_001n };
    expect(() => documentOf({ settlements: [RELOAD, tooMuch] })).toThrow(
      'settlements exceed the amount due by 1',
    );
  });

  it('adds up: charge − paid from balance − settlements − write-off = outstanding ≥ 0 (random invoices)', () => {
    const scenario = fc.record({
      billed: fc.integer({ min: 0, max: 100_000 }),
      covered: fc.integer({ min: 0, max: 100_000 }),
      price: fc.bigInt({ min: 0n, max: 10_000n }),
      balance: fc.bigInt({ min: 0n, max: 10n ** 9n }),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      writeOff: fc.boolean(),
    });
    fc.assert(
      fc.property(scenario, ({ billed, covered, price, balance, cuts, writeOff }) => {
        const charge = chargeFor(billed, covered, price, balance);
        const invoice = {
          ...STORED,
          unitPriceCents: price,
          billedDevices: billed,
          coveredDevices: covered,
          ...charge,
        };
        // Settlements that take random shares of what is left, each at least one cent.
        const settlements: InvoiceSettlement[] = [];
        let left = charge.amountDueCents;
        cuts.forEach((cut, i) => {
          const amount = BigInt(Math.floor(Number(left) * cut));
          if (amount <= 0n) return;
          settlements.push({ ...RELOAD, at: at(`2026-02-0${2 + i}T00:00:00Z`), amountCents: amount });
          left -= amount;
        });
        const writtenOff =
          writeOff && left > 0n ? { at: at('2026-03-01T00:00:00Z'), amountCents: left, reason: 'r' } : null;
        const d = documentOf({ invoice, settlements, writeOff: writtenOff, now: at('2026-02-20T00:00:00Z') });

        const sum = (ks: DocumentLine['kind'][]) =>
          d.lines.filter((l) => ks.includes(l.kind)).reduce((total, l) => total + l.amountCents, 0n);
        expect(sum(['usage', 'coverage'])).toBe(d.chargeCents);
        expect(d.chargeCents + sum(['paid_from_balance', 'settlement', 'write_off'])).toBe(
          d.outstandingCents,
        );
        expect(line(d.lines, 'outstanding')?.amountCents).toBe(d.outstandingCents);
        expect(d.outstandingCents).toBe(writtenOff ? 0n : left);
        expect(d.outstandingCents >= 0n).toBe(true);
        const expected = writtenOff ? 'written_off' : d.outstandingCents === 0n ? 'paid' : 'overdue';
        expect(d.status).toBe(expected);
      }),
    );
  });
});
