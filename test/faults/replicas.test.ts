import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { outbox } from '../../src/db/schema.js';
import { enqueue } from '../../src/services/outbox.js';
import { describePostgres } from '../support/db.js';
import { CODE_SECRET, SIGNING_SECRET } from '../support/slack.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';
import { spawnBalance } from './support/process.js';
import { seedAccounts } from './support/seed.js';

const ACCOUNTS = 300;
/** Messages an earlier process could not send: both replicas start on them at once. */
const BACKLOG = 150;
const NOW = '2026-12-01T09:00:00Z';

// Two app processes need a database both can open: PostgreSQL only.
describePostgres('two replicas firing the invoice job at the same moment', (t) => {
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await startFakeSlack();
    slack.delay(3); // Slack takes a moment to answer, so the two dispatchers overlap
  });
  afterEach(() => slack.close());

  // Proves: the run's lease lets one replica invoice (each account once, gapless numbers), and the outbox's leased
  // claims (SKIP LOCKED + lease_until) let two dispatchers working through the same rows send each message once.
  it('invoice each account once and send each outbox message once', async () => {
    await seedAccounts(t.db, { count: ACCOUNTS, prefix: 'Replica', channelPrefix: 'C0REP' });
    await enqueue(
      t.db,
      Array.from({ length: BACKLOG }, (_, i) => ({
        dedupeKey: `backlog:${i}`,
        channelId: `C0OLD${i}`,
        event: { type: 'notice' as const, text: `backlog ${i}` },
      })),
      new Date(NOW),
    );
    const env = {
      DATABASE_URL: t.url!,
      CODE_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-replica-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_ID: 'BTEST1',
      SLACK_BOT_USER_ID: 'UBOT1',
      FINANCE_CHANNEL: 'C0FINANCE',
    };
    const replicas = [0, 1].map(() => spawnBalance(['jobs', 'invoices', '--now', NOW], env));
    const exits = await Promise.all(replicas.map((r) => r.exited));
    const outputs = replicas.map((r) => r.stdout());

    // One ran the month; the other found the lease taken (exit 1), or, started after it, nothing left to do.
    const invoiced = outputs.map((o) => Number(/run \d+: (\d+) invoices/.exec(o)?.[1] ?? 0));
    expect(
      invoiced.sort((a, b) => a - b),
      outputs.join('\n'),
    ).toEqual([0, ACCOUNTS]);
    for (const [i, exit] of exits.entries()) {
      const busy = outputs[i]!.includes('another process is running the invoice run; nothing done');
      expect(exit.code, replicas[i]!.output()).toBe(busy ? 1 : 0);
    }

    // Each account invoiced once, numbers gapless.
    const [figures] = await queryRows<{ n: unknown; accounts: unknown; max: string }>(
      t.db,
      sql`select count(*) as n, count(distinct account_id) as accounts, max(number) as max from invoices`,
    );
    expect([Number(figures!.n), Number(figures!.accounts), figures!.max]).toEqual([
      ACCOUNTS,
      ACCOUNTS,
      `INV-2026-${String(ACCOUNTS).padStart(5, '0')}`,
    ]);

    // Every outbox row sent, and each delivered exactly once: the ts Slack answered for it is one delivery's, and
    // each channel received exactly as many messages as rows were written for it.
    const rows = await t.db.select().from(outbox);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    const perChannel = (channels: string[]) => {
      const counts = new Map<string, number>();
      for (const c of channels) counts.set(c, (counts.get(c) ?? 0) + 1);
      return Object.fromEntries([...counts].sort());
    };
    expect(perChannel(slack.deliveries.map((d) => d.channel))).toEqual(
      perChannel(rows.map((r) => r.channelId)),
    );
    expect(slack.deliveries).toHaveLength(rows.length);
    const byTs = new Map(slack.deliveries.map((d) => [d.ts, d]));
    for (const row of rows)
      if (row.kind === 'message') expect(byTs.get(row.slackTs!)?.channel).toBe(row.channelId);
    // One invoice message and one invoice PDF per account's channel, one backlog message per old channel, one
    // summary and one CSV.
    for (const method of ['chat.postMessage', 'files.completeUploadExternal']) {
      const invoices = slack.deliveries.filter(
        (d) => d.method === method && d.channel.startsWith('C0REP') && d.text.includes('INV-2026-'),
      );
      expect(invoices, method).toHaveLength(ACCOUNTS);
      expect(new Set(invoices.map((d) => d.channel)).size, method).toBe(ACCOUNTS);
    }
    expect(slack.deliveries.filter((d) => d.channel.startsWith('C0OLD'))).toHaveLength(BACKLOG);
    expect(
      slack.deliveries
        .filter((d) => d.channel === 'C0FINANCE')
        .map((d) => d.method)
        .sort(),
    ).toEqual(['chat.postMessage', 'files.completeUploadExternal']);
  }, 180_000); // 300 invoices are 300 PDFs to render (pdfkit) besides the messages: minutes on a loaded machine
});
