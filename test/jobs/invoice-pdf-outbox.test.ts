import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { invoices, outbox } from '../../src/db/schema.js';
import { dispatchOutbox } from '../../src/jobs/dispatch.js';
import { createLogger } from '../../src/logger.js';
import { linkChannel } from '../../src/services/accounts.js';
import { invoiceLinkKey, invoiceLinks } from '../../src/services/invoice-links.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { slackOutboxSender } from '../../src/slack/outbox-sender.js';
import { type FakeSlack, startFakeSlack } from '../faults/support/fake-slack.js';
import { describeDatabases } from '../support/db.js';
import { billedAccount } from '../support/fixtures.js';
import { CODE_SECRET, testConfig, testDocuments } from '../support/slack.js';

// SPEC §17: the invoice run's message in the billing channel carries the hosted page's link, and the invoice's PDF
// follows as a file (files.uploadV2) through the outbox — once, however often Slack fails part-way.

const PUBLIC_URL = 'https://balance.example.com';

describeDatabases('the invoice PDF in the billing channel', (t) => {
  let slack: FakeSlack;
  const clock = fixedClock('2026-12-01T09:00:00Z');
  const logger = createLogger({ level: 'error', sink: () => {} });
  beforeEach(async () => {
    slack = await startFakeSlack();
    clock.set('2026-12-01T09:00:00Z');
  });
  afterEach(() => slack.close());

  const dispatch = () => {
    const config = testConfig({ SLACK_API_URL: slack.apiUrl, PUBLIC_URL });
    return dispatchOutbox({
      db: t.db,
      sender: slackOutboxSender(
        config,
        t.db,
        { currency: 'USD', timeZone: 'UTC' },
        logger,
        testDocuments(t.db, config, clock),
        1_000,
      ),
      clock,
      logger,
      sleep: async (ms) => clock.advance(ms),
    });
  };
  const files = () => slack.deliveries.filter((d) => d.method === 'files.completeUploadExternal');
  /** What Slack took for the invoice: its message and its file (the run's low-balance alert aside). */
  const invoiceDeliveries = (number: string) =>
    slack.deliveries.filter((d) => d.method === 'files.completeUploadExternal' || d.text.includes(number));
  /** The outbox rows of the invoice, its message and its PDF (the run's low-balance alert aside), oldest first. */
  const invoiceRows = async () =>
    (await t.db.select().from(outbox).orderBy(outbox.id)).filter((r) =>
      ['invoice', 'invoice_pdf'].includes((r.payload as { type: string }).type),
    );
  const firstInvoice = async () => (await t.db.select().from(invoices).orderBy(invoices.id).limit(1))[0]!;
  const uploads = () => slack.calls.filter((c) => c.method.startsWith('/upload/'));

  it('posts the invoice with its page link, then its PDF once, though completing the upload failed once', async () => {
    // Standard at $2.00: 120 devices are $240.00; $210.00 from the balance, $30.00 due.
    const account = await billedAccount(t.db, 'Northwind Traders', 120, 21_000n);
    await linkChannel(t.db, 'C0NORTH', account.id, 'U1');
    await runInvoices(t.db, { now: clock.now(), timeZone: 'UTC', month: '2026-11' });
    // The run queues the invoice's message; its PDF is queued when the message has been sent.
    const [invoiceRow, ...others] = await invoiceRows();
    expect(invoiceRow).toMatchObject({ kind: 'message', payload: { type: 'invoice' } });
    expect(others).toEqual([]);
    const invoiceId = (invoiceRow!.payload as { invoiceId: number }).invoiceId;
    const number = (await firstInvoice()).number;
    const link = invoiceLinks(PUBLIC_URL, invoiceLinkKey(CODE_SECRET), { id: invoiceId, number }).page;

    // The message goes, then the run's low-balance alert (queued before the PDF, which follows the sent message); the
    // upload gets its URL and its bytes, then Slack fails to complete it.
    slack.fail(['pass', 'pass', 'pass', 500]);
    await dispatch();
    expect(invoiceDeliveries(number).map((d) => d.method)).toEqual(['chat.postMessage']);
    const [message] = invoiceDeliveries(number);
    expect(message!.channel).toBe('C0NORTH');
    expect(message!.text).toContain(`Invoice page and PDF: ${link}`);
    expect(JSON.stringify(message!.body.blocks)).toContain(`<${link}|Invoice page and PDF>`);
    expect(files()).toEqual([]);
    const [, pdfRow] = await invoiceRows();
    expect(pdfRow).toMatchObject({
      kind: 'file',
      dedupeKey: `invoice-pdf:${invoiceId}`,
      channelId: 'C0NORTH',
      payload: { type: 'invoice_pdf', invoiceId },
    });

    // The retry uploads the file again and completes it: one file in the channel.
    clock.advance(10 * 60_000);
    await dispatch();
    clock.advance(60 * 60_000);
    await dispatch();
    expect(files()).toHaveLength(1);
    expect(files()[0]!).toMatchObject({ channel: 'C0NORTH', text: `${number} as a PDF` });
    expect(uploads()).toHaveLength(2);
    // The upload is a multipart form holding the PDF's bytes, from its header to its end marker.
    const upload = String(uploads().at(-1)!.body.raw);
    expect(upload).toMatch(/%PDF-1\.\d[\s\S]*%%EOF/);
    expect(invoiceDeliveries(number)).toHaveLength(2);
    const rows = await t.db.select().from(outbox).orderBy(outbox.id);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('the PDF waits for its message: none while the message is retried, none for a message refused for good', async () => {
    const account = await billedAccount(t.db, 'Northwind Traders', 120, 21_000n);
    await linkChannel(t.db, 'C0NORTH', account.id, 'U1');
    await runInvoices(t.db, { now: clock.now(), timeZone: 'UTC', month: '2026-11' });
    const number = (await firstInvoice()).number;
    slack.fail([500]);
    await dispatch();
    expect(invoiceDeliveries(number)).toEqual([]);
    expect(uploads()).toEqual([]);
    expect((await invoiceRows()).map((r) => (r.payload as { type: string }).type)).toEqual(['invoice']);

    slack.refuse({ withBlocks: 'channel_not_found', withoutBlocks: 'channel_not_found' });
    clock.advance(60 * 60_000);
    await dispatch();
    const rows = await invoiceRows();
    expect(rows.map((r) => [(r.payload as { type: string }).type, r.status])).toEqual([
      ['invoice', 'failed'],
    ]);
    expect(uploads()).toEqual([]);
  });

  it('a run carried on after a crash queues the message and the PDF once each', async () => {
    const account = await billedAccount(t.db, 'Northwind Traders', 120, 21_000n);
    await linkChannel(t.db, 'C0NORTH', account.id, 'U1');
    await runInvoices(t.db, { now: clock.now(), timeZone: 'UTC', month: '2026-11' });
    await runInvoices(t.db, { now: clock.now(), timeZone: 'UTC', month: '2026-11' });
    await dispatch();
    await dispatch();
    const number = (await firstInvoice()).number;
    expect(
      invoiceDeliveries(number)
        .map((d) => d.method)
        .sort(),
    ).toEqual(['chat.postMessage', 'files.completeUploadExternal']);
  });
});
