import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { queryRows } from '../../src/db/client.js';
import { outbox } from '../../src/db/schema.js';
import { dispatchOutbox } from '../../src/jobs/dispatch.js';
import { createLogger } from '../../src/logger.js';
import { createAccount, linkChannel } from '../../src/services/accounts.js';
import { checkAlerts } from '../../src/services/alerts.js';
import { recordReading } from '../../src/services/devices.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { enqueue, type OutboxItem, pendingCount } from '../../src/services/outbox.js';
import { slackOutboxSender } from '../../src/slack/outbox-sender.js';
import { describeDatabases } from '../support/db.js';
import { fund } from '../support/fixtures.js';
import { testConfig, testDocuments } from '../support/slack.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';

const format = { currency: 'USD', timeZone: 'UTC' };
/** The sender's client timeout, short so that a hanging Slack costs the test little. */
const TIMEOUT_MS = 150;

describeDatabases('a Slack outage while messages are produced', (t) => {
  let slack: FakeSlack;
  const clock = fixedClock('2026-12-01T09:00:00Z');
  const logger = createLogger({ level: 'error', sink: () => {} });
  beforeEach(async () => {
    slack = await startFakeSlack();
    clock.set('2026-12-01T09:00:00Z');
  });
  afterEach(() => slack.close());

  const dispatch = () =>
    dispatchOutbox({
      db: t.db,
      sender: slackOutboxSender(
        testConfig({ SLACK_API_URL: slack.apiUrl }),
        t.db,
        format,
        logger,
        testDocuments(t.db),
        TIMEOUT_MS,
      ),
      clock,
      logger,
      // Retry-After is waited out on the test's clock, not in real time.
      sleep: async (ms) => clock.advance(ms),
    });
  const notice = (key: string, channelId: string): OutboxItem => ({
    dedupeKey: key,
    channelId,
    event: { type: 'notice', text: `notice ${key}` },
  });

  // Proves: the outbox loses nothing and doubles nothing through 500s, 429 + Retry-After, requests that hang past the
  // client timeout and dropped connections — each row is delivered once, after Slack recovers.
  it('delivers every message exactly once after 500s, 429s, hangs and dropped connections', async () => {
    const accounts = [];
    for (let i = 0; i < 6; i++) {
      const a = await createAccount(t.db, {
        name: `Outage ${i}`,
        planCode: 'standard',
        actor: 'U1',
        at: new Date('2026-11-01T00:00:00Z'),
      });
      await linkChannel(t.db, `C0OUT${i}`, a.id, 'U1');
      await recordReading(t.db, {
        accountId: a.id,
        count: 10,
        at: new Date('2026-11-02T00:00:00Z'),
        by: 'U1',
      });
      // $20 a month: some wallets empty after November, some low, one fine.
      await fund(t.db, a.id, [1_000n, 2_000n, 2_500n, 3_000n, 50_000n, 0n][i]! || 1n);
      accounts.push(a);
    }

    // Slack is down: each call fails, by turns, with a 500, a 429 (Retry-After: 1), a hang, a dropped connection.
    slack.fail([500, { status: 429, retryAfter: 1 }, 'hang', 'drop'], { cycle: true });

    // Redemption notices, then the invoice run (invoices, alerts, the finance summary and its CSV), a balance check
    // (a reload puts one account back to ok: "resolved"), and reload notices — one of them queued twice — each
    // followed by a dispatch that Slack refuses.
    await enqueue(
      t.db,
      [notice('redeem-notice:1', 'C0OUT0'), notice('redeem-notice:2', 'C0OUT1')],
      clock.now(),
    );
    await dispatch();
    await runInvoices(t.db, { now: clock.now(), timeZone: 'UTC', financeChannel: 'C0FINANCE' });
    await dispatch();
    clock.advance(60_000);
    await fund(t.db, accounts[0]!.id, 100_000n);
    await recordReading(t.db, { accountId: accounts[4]!.id, count: 400, at: clock.now(), by: 'U1' });
    const changes = await checkAlerts(t.db, { now: clock.now(), timeZone: 'UTC' });
    expect(changes.filter((c) => c.announced).length).toBeGreaterThanOrEqual(2);
    await dispatch();
    await enqueue(
      t.db,
      [notice('reload-notice:pay_1', 'C0OUT2'), notice('reload-notice:pay_2', 'C0OUT3')],
      clock.now(),
    );
    await enqueue(t.db, [notice('reload-notice:pay_1', 'C0OUT2')], clock.now());
    for (let i = 0; i < 3; i++) {
      clock.advance(10 * 60_000);
      await dispatch();
    }
    expect(slack.deliveries).toEqual([]);
    const outcomes = slack.outcomes();
    for (const fault of ['500', '429', 'hang', 'drop'] as const) expect(outcomes[fault]).toBeGreaterThan(0);
    const produced = await t.db.select().from(outbox);
    expect(produced.every((r) => r.status === 'pending')).toBe(true);

    // Slack is back: dispatch on the test's clock until nothing waits.
    slack.recover();
    for (let round = 0; (await pendingCount(t.db)) > 0; round++) {
      expect(round).toBeLessThan(40);
      await dispatch();
      // On to the moment the next message may be claimed: due, and its lease (if a try left one) run out.
      const [next] = await queryRows<{ at: unknown }>(
        t.db,
        sql`select min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) as at
            from outbox where status = 'pending'`,
      );
      const at = next?.at ? new Date(String(next.at)).getTime() + 1 : 0;
      clock.set(new Date(Math.max(clock.now().getTime(), at)));
    }

    const rows = await t.db.select().from(outbox);
    // None lost, none added but the invoices' PDFs, one queued as each invoice's message was sent (none while down).
    const invoiceIds = (of: typeof rows, type: string) =>
      of
        .filter((r) => (r.payload as { type: string }).type === type)
        .map((r) => (r.payload as { invoiceId: number }).invoiceId)
        .sort();
    expect(invoiceIds(produced, 'invoice_pdf')).toEqual([]);
    expect(invoiceIds(rows, 'invoice_pdf')).toEqual(invoiceIds(produced, 'invoice'));
    expect(invoiceIds(produced, 'invoice').length).toBeGreaterThan(0);
    const pdfRows = new Set(rows.filter((r) => r.dedupeKey.startsWith('invoice-pdf:')).map((r) => r.id));
    expect(
      rows
        .map((r) => r.id)
        .filter((id) => !pdfRows.has(id))
        .sort(),
    ).toEqual(produced.map((r) => r.id).sort());
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(new Set(rows.map((r) => r.dedupeKey)).size).toBe(rows.length);
    const types = new Set(rows.map((r) => (r.payload as { type: string }).type));
    expect([...types].sort()).toEqual(
      ['alert_resolved', 'invoice', 'invoice_pdf', 'low_balance', 'notice', 'run_csv', 'run_summary'].sort(),
    );
    // One delivery per row: each message row's ts is one delivery to its channel; the CSV arrived once.
    expect(slack.deliveries).toHaveLength(rows.length);
    const byTs = new Map(slack.deliveries.map((d) => [d.ts, d]));
    for (const row of rows.filter((r) => r.kind === 'message')) {
      expect(byTs.get(row.slackTs!)?.channel).toBe(row.channelId);
    }
    expect(slack.deliveries.filter((d) => d.method === 'files.completeUploadExternal')).toHaveLength(
      rows.filter((r) => r.kind === 'file').length,
    );
    expect(slack.deliveries.filter((d) => d.text.includes('notice reload-notice:pay_1'))).toHaveLength(1);
  });
});
