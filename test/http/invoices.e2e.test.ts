import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { invoices, payments } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { invoiceLinkKey, invoiceLinks, invoiceToken } from '../../src/services/invoice-links.js';
import { type Invoice, runInvoices } from '../../src/services/invoicing.js';
import { payInvoiceOffline, writeOffInvoice } from '../../src/services/receivables.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { billedAccount } from '../support/fixtures.js';
import { pdfText } from '../support/pdf-text.js';
import { CODE_SECRET, type SlackHarness, slackApi, startSlack, testConfig } from '../support/slack.js';

// The hosted invoice (SPEC §17) on the real HTTP app: the page and the PDF behind the link's token, the Pay button
// that opens the checkout for exactly what is outstanding, and one 404 for everything that is not a right link.

const KEY = invoiceLinkKey(CODE_SECRET);
const NOW = '2026-12-02T10:00:00Z';
const CONTEXT = { now: new Date(NOW), timeZone: 'UTC' };

describeDatabases('the hosted invoice page and PDF', (t) => {
  let slack: SlackHarness;
  let invoice: Invoice;
  let links: ReturnType<typeof invoiceLinks>;
  beforeEach(async () => {
    slack = await startSlack(t.db, {
      clock: fixedClock(NOW),
      config: testConfig({ INVOICE_ISSUER: 'Balance Devices Inc.|1 Market Street|San Francisco, CA' }),
    });
    slackApi('views.publish', {}, 20);
    // Standard at $2.00: 120 devices in November are $240.00, $210.00 of it paid from the balance, $30.00 due.
    const account = await billedAccount(t.db, 'Northwind Traders', 120, 21_000n);
    await runInvoices(t.db, { now: new Date('2026-12-01T09:00:00Z'), timeZone: 'UTC', month: '2026-11' });
    invoice = (await t.db.select().from(invoices).where(eq(invoices.accountId, account.id)))[0]!;
    links = invoiceLinks(slack.url, KEY, invoice);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const get = (url: string) => fetch(url, { redirect: 'manual' });
  const pay = (url = links.pay) => fetch(url, { method: 'POST', redirect: 'manual' });
  const answer = async (res: Response) => ({
    status: res.status,
    type: res.headers.get('content-type'),
    body: await res.text(),
  });

  it('shows the invoice, with its figures, its dates, the PDF link and a Pay button for the $30.00 due', async () => {
    const res = await get(links.page);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    for (const shown of [
      invoice.number,
      'Northwind Traders',
      'Balance Devices Inc.',
      '$240.00',
      '−$210.00',
      'December 1, 2026',
      'December 8, 2026',
      'Pay $30.00',
    ])
      expect(html).toContain(shown);
    const path = new URL(links.page).pathname;
    expect(html).toContain(`action="${path}/pay?t=${invoiceToken(KEY, invoice.id)}"`);
    expect(html).toContain(`href="${path}.pdf?t=${invoiceToken(KEY, invoice.id)}"`);
    expect(html).not.toMatch(/<script/i);
  });

  it('serves the PDF with the same figures, as real text', async () => {
    const res = await get(links.pdf);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="${invoice.number}.pdf"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(bytes);
    for (const shown of [invoice.number, 'Northwind Traders', '$240.00', '$30.00', 'December 8, 2026'])
      expect(text).toContain(shown);
  });

  it('answers a wrong, missing, malformed or borrowed token exactly as an unknown number: one 404', async () => {
    const unknown = await answer(await get(`${slack.url}/invoices/INV-2026-99999?t=${invoiceToken(KEY, 1)}`));
    expect(unknown.status).toBe(404);
    expect(unknown.type).toBe('text/html; charset=utf-8');
    expect(unknown.body).toContain('Invoice not found');
    const token = invoiceToken(KEY, invoice.id);
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const base = `${slack.url}/invoices/${invoice.number}`;
    const wrong = [
      base,
      `${base}?t=`,
      `${base}?t=${flipped}`,
      `${base}?t=${token.toLowerCase() === token ? token.toUpperCase() : token.toLowerCase()}`,
      `${base}?t=${invoiceToken(KEY, invoice.id + 1)}`, // another invoice's token
      `${base}?t=${invoiceToken(invoiceLinkKey('another-secret-0123456789abcdef'), invoice.id)}`,
      `${base}?t=${token}&t=${token}`,
      `${base}?t=${token}%00`,
      `${base}?t=${token.slice(0, -1)}`,
      `${base}?t=${token}x`,
      `${base}?T=${token}`,
      `${base}.pdf?t=${flipped}`,
      `${base}.pdf`,
    ];
    for (const url of wrong) expect(await answer(await get(url)), url).toEqual(unknown);
    expect(await answer(await pay(`${base}/pay?t=${flipped}`))).toEqual(unknown);
    expect(await answer(await pay(`${base}/pay`))).toEqual(unknown);
    expect(await t.db.select().from(payments)).toEqual([]);
  });

  it('refuses a path that is not an invoice number with 400, before anything is looked up', async () => {
    const token = invoiceToken(KEY, invoice.id);
    for (const path of [
      `inv-2026-00001`,
      `INV-2026-00001.PDF`,
      `INV-2026-00001.pdf.pdf`,
      `INV-2026-1`,
      `INV-2026-00001%00`,
      `INV-2026-00001%C0%80`,
      `${'9'.repeat(5000)}`,
    ]) {
      const res = await get(`${slack.url}/invoices/${path}?t=${token}`);
      expect(res.status, path).toBe(400);
    }
  });

  it('Pay opens the sandbox checkout for exactly the outstanding amount, once for a double click', async () => {
    const first = await pay();
    expect(first.status).toBe(303);
    const checkout = first.headers.get('location')!;
    expect(checkout).toMatch(/\/pay\/sandbox\/pay_[0-9A-Z]{16}$/);
    expect((await pay()).headers.get('location')).toBe(checkout);
    const rows = await t.db.select().from(payments);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amountCents: 3_000n, status: 'pending', provider: 'sandbox' });

    // Paying it on the sandbox page credits the wallet and settles the invoice through the reload path.
    const paid = await fetch(`${slack.url}${new URL(checkout).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=pay',
    });
    expect(paid.status).toBe(200);
    const [settled] = await t.db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(settled).toMatchObject({ outstandingCents: 0n, status: 'paid' });
    expect(await walletBalance(t.db, invoice.accountId)).toBe(0n);

    const html = await (await get(links.page)).text();
    expect(html).toContain('Paid by reload');
    expect(html).toContain(`Ref. ${rows[0]!.id}`);
    expect(html).not.toContain('<form');
    // A Pay click from a page opened before: back to the page, nothing new.
    const late = await pay();
    expect(late.status).toBe(303);
    expect(late.headers.get('location')).toBe(new URL(links.page).pathname + new URL(links.page).search);
    expect(await t.db.select().from(payments)).toHaveLength(1);
  });

  it('eight Pay clicks at once open one checkout', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => pay()));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([303]));
    expect(new Set(answers.map((a) => a.headers.get('location'))).size).toBe(1);
    expect(await t.db.select().from(payments)).toHaveLength(1);
  });

  it('asks a new amount after a partial bank transfer, and a new checkout after one expired', async () => {
    const before = (await pay()).headers.get('location');
    await payInvoiceOffline(t.db, {
      ...CONTEXT,
      number: invoice.number,
      amountCents: 1_000n,
      reference: 'BANK-778',
      actor: 'UFINANCE',
      requestId: 'trigger-1',
    });
    const html = await (await get(links.page)).text();
    expect(html).toContain('Payment received');
    expect(html).toContain('Ref. BANK-778');
    expect(html).toContain('Pay $20.00');
    const after = (await pay()).headers.get('location');
    expect(after).not.toBe(before);
    await t.db.update(payments).set({ status: 'expired' }).where(eq(payments.amountCents, 2_000n));
    const again = (await pay()).headers.get('location');
    expect(again).not.toBe(after);
    const amounts = (await t.db.select().from(payments)).map((p) => [p.amountCents, p.status]).sort();
    expect(amounts).toEqual([
      [2_000n, 'expired'],
      [2_000n, 'pending'],
      [3_000n, 'pending'],
    ]);
  });

  it('a written-off invoice shows why, and has no Pay button; Pay writes nothing', async () => {
    await writeOffInvoice(t.db, {
      ...CONTEXT,
      number: invoice.number,
      reason: 'Customer ceased trading',
      actor: 'UFINANCE',
      requestId: 'trigger-2',
    });
    const html = await (await get(links.page)).text();
    expect(html).toContain('Written off');
    expect(html).toContain('Customer ceased trading');
    expect(html).not.toContain('<form');
    const counts = await tableCounts(t.db);
    expect((await pay()).status).toBe(303);
    expect(await tableCounts(t.db)).toEqual(counts);
  });
});
