import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvoiceModel, RunSummaryModel } from '../../../src/app/views.js';
import { chargeFor } from '../../../src/domain/invoice.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import {
  invoiceDetailMessage,
  invoiceListMessage,
  invoiceMessage,
  runSummaryMessage,
} from '../../../src/slack/render/invoices.js';
import { blockTexts, DANGEROUS, everything, USD } from './fixtures.js';

function invoice(
  options: {
    billed?: number;
    covered?: number;
    balance?: bigint;
    unit?: bigint;
  } & Partial<InvoiceModel> = {},
): InvoiceModel {
  const { billed = 120, covered = 0, balance = 300_000n, unit = 400n, ...rest } = options;
  const charge = chargeFor(billed, covered, unit, balance);
  return {
    format: USD,
    number: 'INV-2026-00001',
    accountName: 'Acme',
    month: '2026-11',
    planName: 'Plus',
    unitPriceCents: unit,
    billedDevices: billed,
    coveredDevices: covered,
    ...charge,
    outstandingCents: charge.amountDueCents,
    createdAt: new Date('2026-12-01T09:00:00Z'),
    ...rest,
  };
}

const NASTY = '<!channel> @here <@U123> <https://evil.example|click> & *bold*';

describe('invoiceMessage', () => {
  it('shows the number, month, lines and PAID from balance', () => {
    const message = invoiceMessage(invoice());
    expect(message.blocks?.[0]).toMatchObject({ type: 'header', text: { text: 'Invoice INV-2026-00001' } });
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('*Acme* · November 2026 · Plus plan ($4.00/device/month)');
    expect(shown).toContain('Devices (highest count in the month): 120 × $4.00 = $480.00');
    expect(shown).toContain('*Charge for November 2026:* $480.00');
    expect(shown).toContain('Paid from balance: −$480.00');
    expect(shown).toContain('*Amount due: $0.00*');
    expect(shown).toContain('✅ *PAID* from balance ($480.00).');
    expect(shown).toMatch(/Issued <!date\^\d+\^\{date_short_pretty\}\|2026-12-01>/);
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('has a complete text twin', () => {
    const { text } = invoiceMessage(invoice({ covered: 20, balance: 10_000n }));
    for (const part of [
      'Invoice INV-2026-00001',
      'Acme · November 2026 · Plus plan ($4.00/device/month)',
      'Devices (highest count in the month): 120 × $4.00 = $480.00',
      'License packs cover 20 devices: −20 × $4.00 = −$80.00',
      'Charge for November 2026: $400.00',
      'Paid from balance: −$100.00',
      'Amount due: $300.00',
      'DUE: $300.00 — the balance paid $100.00 of $400.00.',
      'Issued 2026-12-01',
    ]) {
      expect(text).toContain(part);
    }
    expect(text).not.toContain('<!date');
  });

  it('emphasises the amount due', () => {
    const message = invoiceMessage(invoice({ balance: 0n }));
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('🔴 *DUE: $480.00* — the balance was empty.');
    expect(shown).toContain('*Amount due: $480.00*');
    expect(shown).toContain('Paid from balance: $0.00');
  });

  it('shows coverage capped at the devices billed', () => {
    const message = invoiceMessage(invoice({ billed: 30, covered: 50 }));
    expect(message.text).toContain(
      'License packs cover 30 devices (up to 50; 30 billed): −30 × $4.00 = −$120.00',
    );
    expect(message.text).toContain('Charge for November 2026: $0.00');
    expect(message.text).toContain('PAID — nothing to pay this month.');
  });

  it('escapes account and plan names', () => {
    const message = invoiceMessage(invoice({ accountName: NASTY, planName: NASTY }));
    expect(everything(message)).not.toMatch(DANGEROUS);
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('stays within limits with long names and the largest amounts', () => {
    const message = invoiceMessage(
      invoice({
        accountName: '&'.repeat(80),
        planName: '<'.repeat(80),
        billed: 1_000_000,
        covered: 999_999,
        unit: 10n ** 20n,
        balance: 0n,
      }),
    );
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.text).toContain('Amount due: $1,000,000,000,000,000,000.00');
  });

  it('property: the figures shown add up for any invoice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (billed, covered, unit, balance) => {
          const m = invoice({ billed, covered, unit, balance });
          const message = invoiceMessage(m);
          expect(blockKitProblems(message)).toEqual([]);
          const status = m.amountDueCents > 0n ? 'DUE' : 'PAID';
          expect(message.text).toContain(status);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('invoiceDetailMessage', () => {
  it('shows one invoice in full and points to the list', () => {
    const message = invoiceDetailMessage(invoice({ covered: 20, balance: 10_000n }), false);
    expect(message.text).toContain('Invoice INV-2026-00001');
    expect(message.text).toContain('Amount due: $300.00');
    expect(message.text).toContain('All invoices: `/balance invoices`');
    expect(blockKitProblems(message)).toEqual([]);
  });
});

describe('invoiceListMessage', () => {
  it('says when there are no invoices', () => {
    const message = invoiceListMessage({ format: USD, accountName: 'Acme', invoices: [], canPay: false });
    expect(message.text).toContain('No invoices yet.');
    expect(blockTexts(message.blocks ?? [])).toContain('No invoices yet.');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('lists number, month, charge, status and amount due; at most 12', () => {
    const invoices = Array.from({ length: 15 }, (_, i) =>
      invoice({
        number: `INV-2026-${String(15 - i).padStart(5, '0')}`,
        month: `2026-${String(12 - (i % 12)).padStart(2, '0')}`,
        balance: i === 1 ? 10_000n : 300_000n,
      }),
    );
    const message = invoiceListMessage({ format: USD, accountName: 'Acme', invoices, canPay: false });
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('*Last 12 invoices* (newest first)');
    expect(shown).toContain('*INV-2026-00015* · December 2026 · $480.00 · paid');
    expect(shown).toContain('*INV-2026-00014* · November 2026 · $480.00 · *$380.00 outstanding*');
    expect(shown).not.toContain('INV-2026-00003');
    expect(message.text).toContain('Invoices — Acme');
    expect(message.text).toContain('INV-2026-00014 · November 2026 · $480.00 · $380.00 outstanding');
    expect(message.text).toContain('/balance invoices YYYY-MM');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('escapes names and stays within limits', () => {
    const invoices = Array.from({ length: 12 }, () =>
      invoice({ accountName: NASTY, number: NASTY, unit: 10n ** 20n, billed: 1_000_000, balance: 0n }),
    );
    const message = invoiceListMessage({
      format: USD,
      accountName: `${NASTY}${'x'.repeat(80)}`,
      invoices,
      canPay: false,
    });
    expect(everything(message)).not.toMatch(DANGEROUS);
    expect(blockKitProblems(message)).toEqual([]);
  });
});

function summary(overrides: Partial<RunSummaryModel> = {}): RunSummaryModel {
  return {
    format: USD,
    months: ['2026-11'],
    accountsInvoiced: 3,
    totalChargedCents: 128_000n,
    paidFromBalanceCents: 80_000n,
    amountDueCents: 48_000n,
    dueAccounts: [
      { accountName: 'Globex', number: 'INV-2026-00002', amountDueCents: 8_000n },
      { accountName: 'Initech', number: 'INV-2026-00003', amountDueCents: 40_000n },
    ],
    zeroInvoices: 1,
    csvName: 'invoices-2026-11.csv',
    ...overrides,
  };
}

describe('runSummaryMessage', () => {
  it('shows the totals and the accounts with amounts due, largest first', () => {
    const message = runSummaryMessage(summary());
    expect(message.blocks?.[0]).toMatchObject({
      type: 'header',
      text: { text: 'Invoice run — November 2026' },
    });
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('*Month closed*\nNovember 2026');
    expect(shown).toContain('*Accounts invoiced*\n3');
    expect(shown).toContain('*Total charged*\n*$1,280.00*');
    expect(shown).toContain('*Drawn from balance*\n$800.00');
    expect(shown).toContain('*Amount due*\n*$480.00*');
    expect(shown).toContain('*$0 invoices*\n1 (recorded, not posted)');
    expect(shown).toContain('*Accounts with amounts due* (2, largest first)');
    const initech = shown.indexOf('*Initech* · INV-2026-00003 · *$400.00*');
    const globex = shown.indexOf('*Globex* · INV-2026-00002 · *$80.00*');
    expect(initech).toBeGreaterThan(-1);
    expect(globex).toBeGreaterThan(initech);
    expect(shown).toContain('Every invoice of this run is in invoices-2026-11.csv.');
    expect(message.text).toContain('Total charged: $1,280.00');
    expect(message.text).toContain('Initech · INV-2026-00003 · $400.00');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('says when nothing is due, and names several months', () => {
    const message = runSummaryMessage(
      summary({ months: ['2026-10', '2026-11'], dueAccounts: [], amountDueCents: 0n }),
    );
    expect(message.text).toContain('Months closed: October 2026, November 2026');
    expect(message.text).toContain('No amounts due — every invoice was paid from balance.');
    const many = runSummaryMessage(
      summary({
        months: Array.from(
          { length: 23 },
          (_, i) => `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
        ),
      }),
    );
    expect(many.text).toContain('Months closed: January 2025 – November 2026 (23 months)');
    expect(blockKitProblems(many)).toEqual([]);
  });

  it('stays within limits with 100,000 due accounts, 80-character names and the largest amounts', () => {
    const dueAccounts = Array.from({ length: 100_000 }, (_, i) => ({
      accountName: `${'<&>'.repeat(26)}${String(i).padStart(2, '0')}`.slice(0, 80),
      number: `INV-2026-${String(i + 1).padStart(5, '0')}`,
      amountDueCents: 10n ** 20n - BigInt(i),
    }));
    const message = runSummaryMessage(
      summary({
        accountsInvoiced: 100_000,
        totalChargedCents: 10n ** 25n,
        paidFromBalanceCents: 0n,
        amountDueCents: 10n ** 25n,
        dueAccounts,
        csvName: `${'x'.repeat(250)}.csv`,
      }),
    );
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.text).toContain('$1,000,000,000,000,000,000.00');
    const shown = blockTexts(message.blocks ?? []);
    const listed = shown.split('\n').filter((l) => l.includes('· INV-2026-')).length;
    expect(listed).toBeGreaterThan(10);
    expect(shown).toContain(`and ${(100_000 - listed).toLocaleString('en-US')} more — see `);
    expect(everything(message)).not.toMatch(DANGEROUS);
  });

  it('lists the largest amounts first even when given out of order', () => {
    const dueAccounts = Array.from({ length: 500 }, (_, i) => ({
      accountName: `A${i}`,
      number: `INV-2026-${String(i + 1).padStart(5, '0')}`,
      amountDueCents: BigInt(i * 100),
    }));
    const message = runSummaryMessage(summary({ dueAccounts }));
    const lines = message.text.split('\n').filter((l) => l.includes('· INV-2026-'));
    expect(lines[0]).toBe('A499 · INV-2026-00500 · $499.00');
    expect(lines[1]).toBe('A498 · INV-2026-00499 · $498.00');
    expect(message.text).toContain(`and ${500 - lines.length} more — see invoices-2026-11.csv`);
  });

  it('escapes account names and the file name', () => {
    const message = runSummaryMessage(
      summary({
        dueAccounts: [{ accountName: NASTY, number: NASTY, amountDueCents: 1n }],
        csvName: '<!everyone>.csv',
      }),
    );
    expect(everything(message)).not.toMatch(DANGEROUS);
  });
});
