import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { outbox } from '../../src/db/schema.js';
import { backoffMs, dispatchOutbox } from '../../src/jobs/dispatch.js';
import { createLogger } from '../../src/logger.js';
import { createAccount, linkChannel } from '../../src/services/accounts.js';
import { recordReading } from '../../src/services/devices.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { enqueue, markFailed, markSent } from '../../src/services/outbox.js';
import { slackOutboxSender } from '../../src/slack/outbox-sender.js';
import { describeDatabases } from '../support/db.js';
import { SLACK_API, testConfig, testDocuments } from '../support/slack.js';

const format = { currency: 'USD', timeZone: 'UTC' };

describeDatabases('the outbox dispatcher', (t) => {
  const clock = fixedClock('2026-12-01T09:00:00Z');
  const logger = createLogger({ level: 'error', sink: () => {} });
  const waits: number[] = [];
  const dispatch = () =>
    dispatchOutbox({
      db: t.db,
      sender: slackOutboxSender(testConfig(), t.db, format, logger, testDocuments(t.db), 500),
      clock,
      logger,
      sleep: async (ms) => {
        waits.push(ms);
        clock.advance(ms);
      },
    });
  const sent: Array<{ channel: string; text: string }> = [];
  /** Slack answers `statuses` in order (then ok), recording what it accepted. */
  const slack = (...statuses: Array<number | { status: 429; retryAfter: number }>) => {
    for (const status of statuses) {
      const scope = nock(SLACK_API).post('/api/chat.postMessage');
      if (typeof status === 'number') scope.reply(status, { ok: false, error: 'internal_error' });
      else
        scope.reply(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(status.retryAfter) });
    }
    nock(SLACK_API)
      .post('/api/chat.postMessage')
      .times(100)
      .reply(200, (_uri, body) => {
        const params = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : body;
        sent.push(params as { channel: string; text: string });
        return {
          ok: true,
          ts: `1764579600.0000${sent.length}`,
          channel: (params as { channel: string }).channel,
        };
      });
  };
  const note = (key: string, channel = 'C0BILLING') =>
    enqueue(
      t.db,
      [{ dedupeKey: key, channelId: channel, event: { type: 'notice', text: `note ${key}` } }],
      clock.now(),
    );

  beforeEach(() => {
    clock.set('2026-12-01T09:00:00Z');
    sent.length = 0;
    waits.length = 0;
  });
  afterEach(() => nock.cleanAll());

  it('retries a message Slack failed twice with back-off, and sends it once', async () => {
    await note('a');
    slack(500, 500);
    expect(await dispatch()).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 0 }); // not due yet
    clock.advance(backoffMs(1));
    expect(await dispatch()).toMatchObject({ retried: 1 });
    clock.advance(backoffMs(2));
    expect(await dispatch()).toMatchObject({ sent: 1 });
    clock.advance(60 * 60_000);
    expect(await dispatch()).toMatchObject({ sent: 0 });
    expect(sent.map((m) => m.text)).toEqual(['note a']);
    const [row] = await t.db.select().from(outbox);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, slackTs: '1764579600.00001' });
  });

  it('waits out Retry-After on a 429, then sends', async () => {
    await note('b');
    slack({ status: 429, retryAfter: 2 });
    expect(await dispatch()).toMatchObject({ sent: 1, retried: 1 });
    expect(waits).toEqual([2_000]);
    expect(sent).toHaveLength(1);
  });

  it('sets aside a message Slack will never take, and goes on with the rest', async () => {
    await note('gone', 'C0GONE');
    await note('fine');
    nock(SLACK_API)
      .post('/api/chat.postMessage', (body) => JSON.stringify(body).includes('C0GONE'))
      .reply(200, { ok: false, error: 'channel_not_found' });
    slack();
    expect(await dispatch()).toEqual({ sent: 1, retried: 0, failed: 1 });
    const rows = await t.db.select().from(outbox);
    expect(rows.map((r) => [r.dedupeKey, r.status])).toEqual([
      ['gone', 'failed'],
      ['fine', 'sent'],
    ]);
  });

  it('with Slack down for a whole invoice run, loses nothing and sends each message once when it is back', async () => {
    for (let i = 0; i < 4; i++) {
      const a = await createAccount(t.db, {
        name: `Down ${i}`,
        planCode: 'standard',
        actor: 'U1',
        at: new Date('2026-11-01T00:00:00Z'),
      });
      await linkChannel(t.db, `C0DOWN${i}`, a.id, 'U1');
      await recordReading(t.db, {
        accountId: a.id,
        count: 3,
        at: new Date('2026-11-02T00:00:00Z'),
        by: 'U1',
      });
    }
    await runInvoices(t.db, { now: clock.now(), timeZone: 'UTC' });
    // The messages only: each PDF, queued once its message is sent, is followed by test/jobs/invoice-pdf-outbox.test.ts.
    nock(SLACK_API).post('/api/chat.postMessage').times(20).reply(503, 'down');
    expect(await dispatch()).toMatchObject({ sent: 0, retried: 4 });
    nock.cleanAll();
    slack();
    clock.advance(backoffMs(1));
    expect(await dispatch()).toMatchObject({ sent: 4 });
    clock.advance(60 * 60_000);
    expect(await dispatch()).toMatchObject({ sent: 0 });
    expect(sent.map((m) => m.channel).sort()).toEqual(['C0DOWN0', 'C0DOWN1', 'C0DOWN2', 'C0DOWN3']);
    expect(sent.every((m) => m.text.includes('INV-2026-'))).toBe(true);
  });

  it('writes a message once however often it is queued under one key', async () => {
    await note('same');
    await note('same');
    expect(await t.db.select().from(outbox).where(eq(outbox.dedupeKey, 'same'))).toHaveLength(1);
  });

  // Proves: an invoice's PDF is queued by marking its message sent, once however often the mark comes (a twin
  // dispatcher whose lease ran out), and not for a message no longer pending (set aside) nor for other messages.
  it('queues the PDF once when an invoice message is marked sent, none when it was set aside or is a notice', async () => {
    const invoice = (id: number) => ({
      dedupeKey: `invoice:${id}`,
      channelId: 'C0BILLING',
      event: { type: 'invoice' as const, invoiceId: id },
    });
    await enqueue(t.db, [invoice(7), invoice(8)], clock.now());
    await note('plain');
    const rows = await t.db.select().from(outbox).orderBy(outbox.id);
    const [seven, eight, plain] = rows;
    const mark = { ts: '1764579600.000001', now: clock.now() };
    await markSent(t.db, seven!, mark);
    await markSent(t.db, seven!, mark);
    await markFailed(t.db, eight!.id, 'channel_not_found');
    await markSent(t.db, eight!, mark);
    await markSent(t.db, plain!, mark);
    const after = await t.db.select().from(outbox).orderBy(outbox.id);
    expect(after.map((r) => [r.dedupeKey, r.kind, r.status])).toEqual([
      ['invoice:7', 'message', 'sent'],
      ['invoice:8', 'message', 'failed'],
      ['plain', 'message', 'sent'],
      ['invoice-pdf:7', 'file', 'pending'],
    ]);
    expect(after.at(-1)).toMatchObject({
      channelId: 'C0BILLING',
      payload: { type: 'invoice_pdf', invoiceId: 7 },
    });
  });
});
