import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { outbox } from '../../src/db/schema.js';
import { dispatchOutbox } from '../../src/jobs/dispatch.js';
import { createLogger } from '../../src/logger.js';
import { linkChannel } from '../../src/services/accounts.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { enqueue } from '../../src/services/outbox.js';
import { slackOutboxSender } from '../../src/slack/outbox-sender.js';
import { describeDatabases } from '../support/db.js';
import { billedAccount } from '../support/fixtures.js';
import { testConfig, testDocuments } from '../support/slack.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';

const format = { currency: 'USD', timeZone: 'UTC' };

describeDatabases('Slack refusing a message', (t) => {
  let slack: FakeSlack;
  let errors: string[];
  const clock = fixedClock('2026-12-01T09:00:00Z');
  beforeEach(async () => {
    slack = await startFakeSlack();
    errors = [];
    clock.set('2026-12-01T09:00:00Z');
  });
  afterEach(() => slack.close());

  const dispatch = () => {
    const logger = createLogger({
      level: 'error',
      sink: (line) => errors.push(JSON.parse(line).msg as string),
    });
    return dispatchOutbox({
      db: t.db,
      sender: slackOutboxSender(
        testConfig({ SLACK_API_URL: slack.apiUrl }),
        t.db,
        format,
        logger,
        testDocuments(t.db),
        1_000,
      ),
      clock,
      logger,
    });
  };
  const messages = () => slack.deliveries.filter((d) => d.method === 'chat.postMessage');
  /** November's invoice for an account linked to #C0BILL: a message with blocks, in the outbox. */
  const invoiced = async () => {
    const account = await billedAccount(t.db, 'Refused Co', 10, 50_000n);
    await linkChannel(t.db, 'C0BILL', account.id, 'U1');
    await runInvoices(t.db, { now: clock.now(), timeZone: 'UTC' });
    // The invoice's message only: its PDF is queued when the message is sent.
    const rows = await t.db.select().from(outbox);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ channelId: 'C0BILL', status: 'pending', payload: { type: 'invoice' } });
    return row!;
  };

  // Proves: a message whose blocks Slack refuses is not lost: its plain-text fallback is delivered, the row is sent
  // and keeps the refusal, and the refusal is logged as an error once — for each of Slack's layout refusals.
  for (const error of [
    'invalid_blocks',
    'invalid_blocks_format',
    'msg_blocks_too_long',
    'invalid_attachments',
  ]) {
    it(`blocks refused (${error}): the invoice notice arrives as text, the row says why`, async () => {
      const row = await invoiced();
      slack.refuse({ withBlocks: error });
      // The message, then its PDF (a file upload, whose delivery test/jobs/invoice-pdf-outbox.test.ts follows).
      expect(await dispatch()).toEqual({ sent: 2, retried: 0, failed: 0 });
      const methods = ['chat.postMessage', 'files.completeUploadExternal'];
      expect(slack.deliveries.map((d) => d.method)).toEqual(methods);
      const [delivered] = messages();
      expect(delivered).toMatchObject({ channel: 'C0BILL', text: expect.stringContaining('INV-2026-00001') });
      expect(delivered!.text).toContain('$20.00');
      expect(delivered!.body.blocks).toBeUndefined();
      const [sent] = await t.db.select().from(outbox).where(eq(outbox.id, row.id));
      expect(sent).toMatchObject({
        id: row.id,
        status: 'sent',
        slackTs: delivered!.ts,
        lastError: `blocks refused (${error}); sent as plain text`,
      });
      expect(errors).toEqual([
        `outbox message ${row.id} to C0BILL: blocks refused (${error}); sent as plain text`,
      ]);

      clock.advance(60 * 60_000);
      expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 0 });
      expect(slack.deliveries.map((d) => d.method)).toEqual(methods);
      expect(errors).toHaveLength(1);
    });
  }

  // Proves: a refusal of where the message goes or of its text is final: one call, no text retry, the row failed
  // with Slack's reason.
  for (const error of ['channel_not_found', 'not_in_channel', 'msg_too_long']) {
    it(`${error} is permanent: set aside, not retried as text`, async () => {
      await invoiced();
      slack.refuse({ withBlocks: error, withoutBlocks: error });
      expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 1 });
      expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
      expect(slack.deliveries).toEqual([]);
      // Set aside, and no PDF queued after it.
      const rows = await t.db.select().from(outbox);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'failed', lastError: error });
    });
  }

  // Proves: when the plain text is refused too, the row fails with both refusals on it.
  it('blocks refused, then the text too: failed, both reasons kept', async () => {
    await invoiced();
    slack.refuse({ withBlocks: 'invalid_blocks', withoutBlocks: 'msg_too_long' });
    expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 1 });
    expect(slack.calls.map((c) => c.outcome)).toEqual(['refused', 'refused']);
    expect((await t.db.select().from(outbox))[0]).toMatchObject({
      status: 'failed',
      lastError: 'blocks refused (invalid_blocks), then the text: msg_too_long',
    });
  });

  // Proves: a message that has no blocks, refused with a layout error, is set aside, not sent again as the same text.
  it('a text-only notice refused is set aside once', async () => {
    await enqueue(
      t.db,
      [{ dedupeKey: 'note', channelId: 'C0BILL', event: { type: 'notice', text: 'hello' } }],
      clock.now(),
    );
    slack.refuse({ withoutBlocks: 'invalid_arguments' });
    expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 1 });
    expect(slack.calls).toHaveLength(1);
  });
});
