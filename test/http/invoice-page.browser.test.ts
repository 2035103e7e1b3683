import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import nock from 'nock';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { invoices, payments } from '../../src/db/schema.js';
import { SANDBOX_BANNER } from '../../src/http/sandbox-page.js';
import { invoiceLinkKey, invoiceLinks } from '../../src/services/invoice-links.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { paymentsFor } from '../../src/services/payments/configured.js';
import { describeDatabases } from '../support/db.js';
import { billedAccount } from '../support/fixtures.js';
import { CODE_SECRET, type SlackHarness, slackApi, startSlack, testConfig } from '../support/slack.js';

// The hosted invoice page in a real browser (SPEC §17): Debian's chromium, driven by playwright-core, with
// JavaScript switched off — the page and the sandbox checkout are plain HTML and forms. It opens the link, takes a
// screenshot, clicks Pay and lands on the checkout for the outstanding amount.

const CHROMIUM_MISSING =
  "chromium is not installed: the browser test drives Debian's chromium. Install it with `apt-get install -y chromium` (.ci/run does when it is missing).";
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Where `which` finds chromium; a missing one fails the test with what to install, it never skips. */
async function chromiumPath(): Promise<string> {
  try {
    return (await promisify(execFile)('which', ['chromium'])).stdout.trim();
  } catch {
    throw new Error(CHROMIUM_MISSING);
  }
}

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: await chromiumPath(), args: FLAGS, timeout: 60_000 });
}, 90_000);
afterAll(async () => {
  await browser?.close();
});

describeDatabases('the hosted invoice in chromium', (t) => {
  let slack: SlackHarness;
  let dir: string;
  let pageUrl: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'balance-browser-'));
    // The checkout link is made under the address the app really listens on, as PUBLIC_URL would give it.
    let base = '';
    const config = testConfig({ INVOICE_ISSUER: 'Balance Devices Inc.|1 Market Street|San Francisco, CA' });
    slack = await startSlack(t.db, {
      clock: fixedClock('2026-12-02T10:00:00Z'),
      config,
      payments: await paymentsFor(config, t.db, () => base),
    });
    base = slack.url;
    slackApi('views.publish', {}, 20);
    // Standard at $2.00: 120 devices are $240.00, $210.00 paid from the balance, $30.00 due.
    const account = await billedAccount(t.db, 'Northwind Traders', 120, 21_000n);
    await runInvoices(t.db, { now: new Date('2026-12-01T09:00:00Z'), timeZone: 'UTC', month: '2026-11' });
    const [invoice] = await t.db.select().from(invoices).where(eq(invoices.accountId, account.id));
    pageUrl = invoiceLinks(slack.url, invoiceLinkKey(CODE_SECRET), invoice!).page;
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens the page without JavaScript, takes a screenshot, and Pay lands on the $30.00 checkout', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 900, height: 1000 },
    });
    try {
      const page = await context.newPage();
      const opened = await page.goto(pageUrl);
      expect(opened?.status()).toBe(200);
      await expect.poll(() => page.title()).toContain('Northwind Traders');
      // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered (CSS upper-cases the title) is what a reader sees
      const text = await page.locator('main').innerText();
      for (const shown of ['INVOICE', 'Northwind Traders', '$240.00', '$30.00', 'December 8, 2026'])
        expect(text).toContain(shown);

      const shot = join(dir, 'invoice.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = await readFile(shot);
      expect(png.length).toBeGreaterThan(10_000);
      expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);

      await page.getByRole('button', { name: 'Pay $30.00' }).click();
      await page.waitForURL(/\/pay\/sandbox\/pay_[0-9A-Z]{16}$/);
      // biome-ignore lint/performance/useDomNodeTextContent: as above, the rendered text
      const checkout = await page.locator('main').innerText();
      expect(checkout).toContain(SANDBOX_BANNER);
      expect(checkout).toContain('Northwind Traders');
      expect(checkout).toContain('$30.00');
      const [payment] = await t.db.select().from(payments);
      expect(payment).toMatchObject({ amountCents: 3_000n, status: 'pending' });
      expect(page.url()).toBe(`${slack.url}/pay/sandbox/${payment!.id}`);
    } finally {
      await context.close();
    }
  });
});
