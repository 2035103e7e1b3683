import { describe, expect, it } from 'vitest';
import { invoicePage } from '../../src/http/invoice-page.js';
import { BANK_TRANSFER, documentOf, RELOAD, SETTINGS } from '../support/invoice-documents.js';

const LINKS = {
  pdfUrl: '/invoices/INV-2026-00042.pdf?t=abc123',
  payUrl: '/invoices/INV-2026-00042/pay?t=abc123',
};
const HOSTILE = `<script>alert("x")</script> & 'Co' \u202eevil`;
const at = (iso: string) => new Date(iso);

/** The page's visible text: tags dropped, entities decoded, white space collapsed. */
function visibleText(html: string): string {
  const body = html.slice(html.indexOf('<body>'));
  return body
    .replace(/<[^>]+>/g, ' ')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .replace(/\s+/g, ' ');
}

describe('invoicePage', () => {
  it('is a self-contained HTML5 page that works without scripts and keeps its token to itself', () => {
    const html = invoicePage(documentOf(), LINKS);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain('<title>Invoice INV-2026-00042 · Acme Łódź – Müller &amp; Söhne</title>');
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|https?:\/\/|\bon[a-z]+=/i);
  });

  it('shows the same content as the PDF: issuer, customer, facts, every line and the outstanding amount', () => {
    const text = visibleText(invoicePage(documentOf({ settlements: [RELOAD] }), LINKS));
    for (const expected of [
      'Balance Devices Inc. 1 Market Street San Francisco, CA 94105',
      'Invoice INV-2026-00042',
      'Bill to Acme Łódź – Müller & Söhne Plus plan',
      'Invoice number INV-2026-00042',
      'Issue date February 1, 2026',
      'Due date February 8, 2026',
      'Status Due',
      'Currency USD',
      '$90.00 is due by February 8, 2026.',
      'Description Date Qty Unit price Amount',
      'Devices (highest count in the month) 120 × $4.00 Plus plan, per device per month 120 $4.00 $480.00',
      'License packs cover 20 devices 20 × $4.00 20 $4.00 −$80.00',
      'Charge $400.00',
      'Paid from balance February 1, 2026 −$210.00',
      'Paid by reload Ref. pay_123 February 3, 2026 −$100.00',
      'Outstanding $90.00',
      'How to pay Pay $90.00 with the Pay button',
      'Download the PDF',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Billing period January 1\s?–\s?31, 2026/);
  });

  it('has a Pay button posting to the checkout while something is outstanding, and a link to the PDF', () => {
    const html = invoicePage(documentOf({ now: at('2026-02-20T00:00:00Z') }), LINKS);
    expect(html).toContain(
      '<form method="post" action="/invoices/INV-2026-00042/pay?t=abc123">\n' +
        '<button type="submit" class="pay">Pay $190.00</button>\n</form>',
    );
    expect(html).toContain('<a href="/invoices/INV-2026-00042.pdf?t=abc123">Download the PDF</a>');
    expect(html).toContain(
      '<p class="statement overdue" role="status">$190.00 is overdue since February 9, 2026',
    );
  });

  it('has no Pay button and no payment note once paid or written off, nor without a checkout address', () => {
    const paid = invoicePage(documentOf({ settlements: [RELOAD, BANK_TRANSFER] }), LINKS);
    const writeOff = { at: at('2026-03-01T00:00:00Z'), amountCents: 19_000n, reason: 'Uncollectable' };
    const writtenOff = invoicePage(documentOf({ writeOff }), LINKS);
    const noCheckout = invoicePage(documentOf(), { pdfUrl: LINKS.pdfUrl });
    for (const html of [paid, writtenOff, noCheckout]) {
      expect(html).not.toContain('<form');
      expect(html).not.toContain('<button');
      expect(html).toContain('Download the PDF');
    }
    expect(visibleText(paid)).toContain('Paid in full on February 5, 2026.');
    expect(paid).not.toContain('How to pay');
    expect(visibleText(writtenOff)).toContain(
      'Written off Uncollectable March 1, 2026 −$190.00 Outstanding $0.00',
    );
    expect(writtenOff).not.toContain('How to pay');
    // Without a checkout the note still says how to pay (a reload, a code, a transfer).
    expect(noCheckout).toContain('How to pay');
  });

  it('escapes every piece of user text, isolates it for right-to-left scripts, and never prints a control', () => {
    const html = invoicePage(
      documentOf({
        accountName: HOSTILE,
        planName: HOSTILE,
        settlements: [{ ...RELOAD, reference: HOSTILE }],
        writeOff: { at: at('2026-03-01T00:00:00Z'), amountCents: 9_000n, reason: `${HOSTILE}\n<b>bold</b>` },
        settings: { ...SETTINGS, issuer: { name: HOSTILE, addressLines: [HOSTILE] } },
      }),
      LINKS,
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('\u202e');
    const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;  evil';
    expect(html).toContain(`<p class="account"><bdi>${escaped}</bdi></p>`);
    expect(html).toContain(`<p class="name"><bdi>${escaped}</bdi></p>`);
    expect(html).toContain(`<span class="detail"><bdi>Ref. ${escaped}</bdi></span>`);
    expect(html).toContain(`<span class="detail"><bdi>${escaped} &lt;b&gt;bold&lt;/b&gt;</bdi></span>`);
    expect(html.split(escaped).length - 1).toBe(8); // title, issuer ×2, account, plan ×2 (bill to, usage line), reference, reason
  });

  it('escapes the addresses it is given, and refuses one that is not a page address', () => {
    const html = invoicePage(documentOf(), { pdfUrl: '/i.pdf?t="x"&a=<b>', payUrl: '/pay?t=a&b="c"' });
    expect(html).toContain('<a href="/i.pdf?t=&quot;x&quot;&amp;a=&lt;b&gt;">');
    expect(html).toContain('<form method="post" action="/pay?t=a&amp;b=&quot;c&quot;">');
    expect(() => invoicePage(documentOf(), { pdfUrl: 'javascript:alert(1)' })).toThrow(RangeError);
    expect(() => invoicePage(documentOf(), { ...LINKS, payUrl: '//evil.example/pay' })).toThrow(RangeError);
    expect(() =>
      invoicePage(documentOf(), { ...LINKS, payUrl: 'https://balance.example.com/pay' }),
    ).not.toThrow();
  });

  it('shows no issuer block when INVOICE_ISSUER is unset', () => {
    const html = invoicePage(documentOf({ settings: { ...SETTINGS, issuer: null } }), LINKS);
    expect(html).not.toContain('class="issuer"');
    expect(visibleText(html)).toContain('Invoice INV-2026-00042');
  });
});
