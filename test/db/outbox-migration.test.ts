import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { outboxMessage } from '../../src/app/outbox-messages.js';
import type { Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import { renderMessage } from '../../src/slack/render/message.js';
import { DATABASE_KINDS } from '../support/db.js';
import { upgradedDatabase } from '../support/migrations.js';
import { testDocuments } from '../support/slack.js';

// Migration 0013 on an outbox that holds rows queued by the release before, as pre-built Block Kit: each becomes a
// plain notice of its fallback text, which the dispatcher renders at send time; other events are left alone.

const OLD_MESSAGE = {
  type: 'message',
  message: {
    text: 'Acme redeemed code …ABCD: $50.00 added &amp; more',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: '<@U1> redeemed code …ABCD: *$50.00* added' } },
    ],
  },
};

/** Events of the release before that were never Block Kit (an auto-reload decline, a reminder, a PDF): they stay. */
const DECLINED = {
  type: 'auto_reload_declined',
  audience: 'admins',
  accountId: 1,
  chargeId: 1,
  amountCents: '50000',
  reason: 'card_declined',
  declines: 1,
  turnedOff: false,
  retryAfter: '2026-12-02T09:00:00.000Z',
};
const REMINDER = {
  type: 'invoice_reminder',
  invoiceId: 1,
  day: 3,
  outstandingCents: '19000',
  dueDate: '2026-12-15',
  today: '2026-12-01',
};

async function oldRows(db: Db): Promise<void> {
  const row = (key: string, status: string, payload: unknown, kind = 'message') =>
    db.execute(sql`insert into outbox (dedupe_key, kind, channel_id, payload, status, next_attempt_at, created_at)
                   values (${key}, ${kind}, 'C0BILL', ${JSON.stringify(payload)}::jsonb, ${status},
                           '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z')`);
  await row('queued', 'pending', OLD_MESSAGE);
  await row('no-text', 'pending', { type: 'message', message: { blocks: [] } });
  await row('invoice', 'pending', { type: 'invoice', invoiceId: 1 });
  await row('declined', 'pending', DECLINED);
  await row('reminder', 'pending', REMINDER);
  await row('pdf', 'pending', { type: 'invoice_pdf', invoiceId: 1 }, 'file');
}

describe.each(DATABASE_KINDS)('migration 0013 on a queued outbox [%s]', (kind) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('turns queued Block Kit into plain notices of their text, sent without blocks; other events stay', async () => {
    const db = await upgradedDatabase(kind, '0013_outbox_view_models', oldRows, cleanups);

    const rows = await db.select().from(schema.outbox).orderBy(schema.outbox.id);
    expect(rows.map((r) => [r.dedupeKey, r.status, r.payload])).toEqual([
      ['queued', 'pending', { type: 'notice', text: OLD_MESSAGE.message.text }],
      ['no-text', 'pending', { type: 'notice', text: '' }],
      ['invoice', 'pending', { type: 'invoice', invoiceId: 1 }],
      ['declined', 'pending', DECLINED],
      ['reminder', 'pending', REMINDER],
      ['pdf', 'pending', { type: 'invoice_pdf', invoiceId: 1 }],
    ]);

    // What the dispatcher sends for it: the same words, escaped once, and no blocks built by the old renderer.
    const output = await outboxMessage(db, { currency: 'USD', timeZone: 'UTC' }, rows[0]!, testDocuments(db));
    expect(output.kind === 'message' && renderMessage(output.message)).toEqual({
      text: 'Acme redeemed code …ABCD: $50.00 added &amp; more',
    });
  });
});
