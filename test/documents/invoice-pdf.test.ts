import { describe, expect, it } from 'vitest';
import type { InvoiceSettlement } from '../../src/app/invoice-document.js';
import { invoicePdf } from '../../src/documents/invoice-pdf.js';
import { BANK_TRANSFER, documentOf, RELOAD, SETTINGS } from '../support/invoice-documents.js';
import { pdfInfo, pdfPages, pdfText } from '../support/pdf-text.js';

const at = (iso: string) => new Date(iso);
/** The trailer's file identifier. */
const fileId = (pdf: Buffer) => /\/ID \[<([0-9a-f]{32})> <\1>\]/.exec(pdf.toString('latin1'))?.[1];
describe('invoicePdf: the same bytes for the same state', () => {
  it('renders a document twice to identical bytes, whatever the day it is rendered on', async () => {
    const first = await invoicePdf(documentOf());
    const again = await invoicePdf(documentOf());
    // Four days later the invoice is still due: nothing in it changed, so neither do the bytes.
    const later = await invoicePdf(documentOf({ now: at('2026-02-05T17:00:00Z') }));
    expect(first.subarray(0, 5).toString()).toBe('%PDF-');
    expect(again.equals(first)).toBe(true);
    expect(later.equals(first)).toBe(true);
  });

  it('renders the same bytes and text whatever the process rendered before (its fonts are parsed once)', async () => {
    // `fi` is drawn with the ﬁ ligature, the glyph of the character ﬁ itself: each must still read back as written.
    const ligature = documentOf({ accountName: 'Certified Offices' });
    const literal = documentOf({ accountName: 'ﬁnance' });
    const literalFirst = await invoicePdf(literal);
    expect(await pdfText(await invoicePdf(ligature))).toContain('Certified Offices');
    const literalAgain = await invoicePdf(literal);
    expect(await pdfText(literalAgain)).toContain('ﬁnance');
    expect(literalAgain.equals(literalFirst)).toBe(true);
  });

  it('dates its metadata from the invoice: created at issue, modified at the last settlement', async () => {
    expect(await pdfInfo(await invoicePdf(documentOf()))).toMatchObject({
      CreationDate: '2026-02-01T09:00:00Z',
      ModDate: '2026-02-01T09:00:00Z',
    });
    expect(await pdfInfo(await invoicePdf(documentOf({ settlements: [RELOAD] })))).toMatchObject({
      Title: 'Invoice INV-2026-00042',
      Subject: 'Invoice INV-2026-00042 to Acme Łódź – Müller & Söhne, 2026-01',
      Author: 'Balance Devices Inc.',
      CreationDate: '2026-02-01T09:00:00Z',
      ModDate: '2026-02-03T15:30:00Z',
      Pages: '1',
    });
  });

  it('changes its bytes and its file ID when a settlement arrives, when it becomes overdue, or is written off', async () => {
    const states = [
      documentOf(),
      documentOf({ settlements: [RELOAD] }),
      documentOf({ settlements: [{ ...RELOAD, reference: 'pay_124' }] }),
      documentOf({ settlements: [RELOAD, BANK_TRANSFER] }),
      documentOf({ now: at('2026-02-09T00:00:00Z') }),
      documentOf({
        writeOff: { at: at('2026-03-01T00:00:00Z'), amountCents: 19_000n, reason: 'Uncollectable' },
      }),
    ];
    const pdfs = await Promise.all(states.map((d) => invoicePdf(d)));
    const ids = pdfs.map(fileId);
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(new Set(pdfs.map((pdf) => pdf.toString('base64'))).size).toBe(states.length);
    // Only a reference differs between the second and third: same figures, same metadata, so the same ID.
    expect(new Set(ids).size).toBe(states.length - 1);
    expect(ids[1]).toBe(ids[2]);
  });
});

describe('invoicePdf: what it says, read back with pdftotext', () => {
  it('prints the issuer, the customer, the number, the dates, the lines and the amount outstanding', async () => {
    const text = await pdfText(await invoicePdf(documentOf()));
    for (const expected of [
      'Balance Devices Inc.',
      '1 Market Street',
      'San Francisco, CA 94105',
      'INVOICE',
      'BILL TO',
      'Acme Łódź – Müller & Söhne',
      'Plus plan',
      'Invoice number INV-2026-00042',
      'Issue date February 1, 2026',
      'Due date February 8, 2026',
      'Status Due',
      'Currency USD',
      'DESCRIPTION DATE QTY UNIT PRICE AMOUNT',
      'Devices (highest count in the month) 120 $4.00 $480.00',
      'Plus plan, per device per month',
      'License packs cover 20 devices 20 $4.00 −$80.00',
      'Charge $400.00',
      'Paid from balance February 1, 2026 −$210.00',
      'Outstanding $190.00',
      '$190.00 is due by February 8, 2026.',
      'How to pay',
      'quote INV-2026-00042 as the reference.',
      'Invoice INV-2026-00042 · Issued February 1, 2026 · Due · Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Billing period January 1\s?–\s?31, 2026/);
  });

  it('lists settlements and the write-off with their days, references and reason, and nothing outstanding', async () => {
    const writeOff = {
      at: at('2026-03-15T12:00:00Z'),
      amountCents: 9_000n,
      reason: 'Customer went out of business',
    };
    const text = await pdfText(
      await invoicePdf(documentOf({ settlements: [RELOAD], writeOff, now: at('2026-04-01T00:00:00Z') })),
    );
    expect(text).toContain('Paid by reload February 3, 2026 −$100.00 Ref. pay_123');
    expect(text).toContain('Written off March 15, 2026 −$90.00 Customer went out of business');
    expect(text).toContain('Outstanding $0.00');
    expect(text).toContain('Status Written off');
    expect(text).toContain('Written off on March 15, 2026: nothing more is asked for this invoice.');
    expect(text).not.toContain('How to pay');
  });

  it('says when it is overdue, and when it was paid in full', async () => {
    const overdue = await pdfText(await invoicePdf(documentOf({ now: at('2026-02-20T00:00:00Z') })));
    expect(overdue).toContain('$190.00 is overdue since February 9, 2026 (it was due by February 8, 2026).');
    expect(overdue).toContain('Status Overdue');
    const paid = await pdfText(await invoicePdf(documentOf({ settlements: [RELOAD, BANK_TRANSFER] })));
    expect(paid).toContain('Payment received February 5, 2026 −$90.00 Ref. BANK-778');
    expect(paid).toContain('Paid in full on February 5, 2026.');
    expect(paid).toContain('Status Paid');
    expect(paid).not.toContain('How to pay');
  });

  it('prints the hosted page address with the payment note, as a link', async () => {
    const url = 'https://balance.example.com/invoices/INV-2026-00042?t=abc123';
    const pdf = await invoicePdf(documentOf(), { pageUrl: url });
    expect(await pdfText(pdf)).toContain(url);
    expect(pdf.toString('latin1')).toContain(`/URI (${url})`);
  });

  it('keeps $, ×, – and non-Latin names as real text; what the font cannot draw is a visible ?', async () => {
    const named = async (accountName: string) => pdfText(await invoicePdf(documentOf({ accountName })));
    expect(await named('Ελλάδα')).toContain(' Ελλάδα ');
    expect(await named('Zürich × Ōsaka – Москва $5')).toContain('Zürich × Ōsaka – Москва $5');
    expect(await named('<script>alert(1)</script> 株式会社 🚀')).toContain(
      '<script>alert(1)</script> ???? ?',
    );
  });

  it('prints controls as spaces, cuts a very long reason, and has no issuer block when none is set', async () => {
    const writeOff = {
      at: at('2026-03-01T00:00:00Z'),
      amountCents: 19_000n,
      reason: `Bad\u0007debt ${'x'.repeat(2_000)}`,
    };
    const pdf = await invoicePdf(documentOf({ writeOff, settings: { ...SETTINGS, issuer: null } }));
    const text = await pdfText(pdf);
    expect(text).toContain('Bad debt xxx');
    expect(text).toContain('x…');
    expect(text).not.toContain('Balance Devices Inc.');
    expect(text).toContain('INVOICE INV-2026-00042');
    expect((await pdfInfo(pdf)).Pages).toBe('1');
  });

  it('prints amounts in CURRENCY', async () => {
    const text = await pdfText(await invoicePdf(documentOf({ settings: { ...SETTINGS, currency: 'EUR' } })));
    expect(text).toContain('Devices (highest count in the month) 120 €4.00 €480.00');
    expect(text).toContain('Outstanding €190.00');
  });

  it('runs on to more pages for many settlements, the table heading repeated and every page numbered', async () => {
    const settlements: InvoiceSettlement[] = Array.from({ length: 60 }, (_, i) => ({
      at: at(`2026-02-${String(2 + (i % 20)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z`),
      amountCents: 100n,
      source: 'offline_payment',
      reference: `wire-${String(i).padStart(3, '0')}`,
    }));
    const pdf = await invoicePdf(documentOf({ settlements }));
    const pages = await pdfPages(pdf);
    const count = Number((await pdfInfo(pdf)).Pages);
    expect(count).toBeGreaterThan(1);
    expect(pages).toHaveLength(count);
    pages.forEach((page, i) => {
      expect(page).toContain(`Page ${i + 1} of ${count}`);
      if (i > 0) expect(page).toContain('DESCRIPTION (CONTINUED) DATE QTY UNIT PRICE AMOUNT');
    });
    const text = pages.join('\n');
    for (let i = 0; i < 60; i++) {
      expect(text.split(`Ref. wire-${String(i).padStart(3, '0')}`)).toHaveLength(2);
    }
    expect(pages.at(-1)).toContain('Outstanding $130.00');
    expect(text.match(/Payment received/g)).toHaveLength(60);
  });
});
