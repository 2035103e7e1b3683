import { PassThrough } from 'node:stream';
import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { invoiceRuns, outbox } from '../../src/db/schema.js';
import { metricsRoute } from '../../src/http/metrics.js';
import { createRouteServer } from '../../src/http/server.js';
import { guardedJob } from '../../src/jobs/jobs.js';
import { postTransfer } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logger.js';
import { startApp } from '../../src/main.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { describeDatabases } from '../support/db.js';
import { billedAccount } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack, testConfig } from '../support/slack.js';

/** The value of one sample of a Prometheus text exposition (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const escaped = `${name}${labels ? `{${labels}}` : ''}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

describeDatabases('GET /metrics', (t) => {
  let slack: SlackHarness;
  let token: string;
  let acmeId: number;
  beforeEach(async () => {
    slack = await startSlack(t.db); // the clock stands at 2026-11-26T10:00:00Z
    ({
      acme: { id: acmeId },
    } = await seedPeople(t.db));
    ({ token } = await createApiToken(t.db, { name: 'prometheus', actor: 'cli', now: slack.clock.now() }));
    slackApi('views.publish', {}, 20);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const scrape = (headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
    fetch(`${slack.url}/metrics`, { headers });
  const figures = async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    return res.text();
  };

  it('refuses a scrape without a valid Bearer API token, saying nothing of the figures', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer bal_tok_00000000000000000000000000000000' },
      { authorization: `Bearer ${token}x` },
    ]) {
      const res = await scrape(headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="balance"/);
      expect(await res.text()).not.toContain('balance_');
    }
  });

  it("answers in Prometheus' text format", async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE balance_answer_duration_seconds histogram');
    expect(text).toContain('# TYPE balance_outbox_oldest_pending_age_seconds gauge');
  });

  it('moves when a command is answered, a posting is made and a message waits in the outbox', async () => {
    const before = await figures();
    const answered = (text: string) =>
      sample(text, 'balance_answer_duration_seconds_count', 'subcommand="status"');

    const res = await slack.command('status', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    expect(res.status).toBe(200);
    await postTransfer(t.db, {
      key: 'metrics:1',
      from: { system: 'payments' },
      to: { wallet: acmeId },
      amount: 500n,
      actor: 'test',
      memo: 'a credit the metrics count',
    });
    await t.db.insert(outbox).values({
      dedupeKey: 'metrics:waiting',
      kind: 'message',
      channelId: ACME_CHANNEL,
      payload: { text: 'waiting' },
      status: 'pending',
      nextAttemptAt: new Date('2026-11-26T11:00:00Z'),
      createdAt: new Date('2026-11-26T09:40:00Z'), // 20 minutes before the clock
    });

    const after = await figures();
    expect(answered(after)).toBe(answered(before) + 1);
    expect(sample(after, 'balance_postings')).toBe(sample(before, 'balance_postings') + 1);
    expect(sample(after, 'balance_outbox_messages', 'status="pending"')).toBe(
      sample(before, 'balance_outbox_messages', 'status="pending"') + 1,
    );
    expect(sample(after, 'balance_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(20 * 60);
  });

  it('reports the last finished invoice run: its accounts, its duration and when it finished', async () => {
    const before = await figures(); // no run yet: zeros, as the help text says
    for (const name of ['accounts', 'duration_seconds', 'last_finished_timestamp_seconds'])
      expect(before).toMatch(new RegExp(`^balance_invoice_run_${name} 0$`, 'm'));
    await billedAccount(t.db, 'Metered', 12, 100_000n, { month: '2026-10' });
    await runInvoices(t.db, { now: new Date('2026-11-02T09:00:00Z'), timeZone: 'UTC', month: '2026-10' });
    const [run] = await t.db.select().from(invoiceRuns);
    const text = await figures();
    expect(sample(text, 'balance_invoice_run_accounts')).toBe(1); // Metered: the seeded accounts opened later
    const seconds = (run!.finishedAt!.getTime() - run!.startedAt.getTime()) / 1000;
    expect(sample(text, 'balance_invoice_run_duration_seconds')).toBeCloseTo(seconds, 3);
    expect(sample(text, 'balance_invoice_run_last_finished_timestamp_seconds')).toBeCloseTo(
      run!.finishedAt!.getTime() / 1000,
      3,
    );
  });

  it("moves a job's last success when it finishes, and not when it fails", async () => {
    const state = { control: { stopping: false }, running: new Set<Promise<unknown>>() };
    const lastSuccess = async () =>
      sample(await figures(), 'balance_job_last_success_timestamp_seconds', 'job="metrics probe"');
    const deps = { clock: slack.clock, logger: createLogger({ level: 'error', sink: () => {} }) };
    await guardedJob(deps, state, 'metrics probe', async () => {})();
    const first = slack.clock.now().getTime() / 1000;
    expect(await lastSuccess()).toBe(first);
    slack.clock.advance(60_000);
    await guardedJob(deps, state, 'metrics probe', async () => {
      throw new Error('the probe fails');
    })();
    expect(await lastSuccess()).toBe(first); // a failure leaves the last success where it was
    await guardedJob(deps, state, 'metrics probe', async () => {})();
    expect(await lastSuccess()).toBe(first + 60);
  });

  it('with METRICS_PORT: not on the app port; served there without a token', async () => {
    const config = testConfig({ METRICS_PORT: '0' });
    expect(config.metricsPort).toBe(0);
    expect(testConfig({ METRICS_PORT: '  ' }).metricsPort).toBeUndefined(); // empty is unset
    expect(() => testConfig({ METRICS_PORT: 'ninety' })).toThrow(ConfigError);
    const portOnly = await startSlack(t.db, { config });
    const server = createRouteServer([metricsRoute(slack.deps, { open: true })], slack.deps.logger);
    try {
      expect((await fetch(`${portOnly.url}/metrics`)).status).toBe(404);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('balance_postings');
    } finally {
      server.close();
      await portOnly.stop();
    }
  });
});

// The wiring of src/main.ts, on the app's own database (embedded, in memory): which database does not matter here.
it('the app started with METRICS_PORT serves /metrics there without a token, and not on PORT', async () => {
  const config = loadConfig({ DATABASE_URL: 'pglite://memory', PORT: '0', METRICS_PORT: '0' });
  const terminal = { input: new PassThrough(), output: new PassThrough() };
  const app = await startApp(config, createLogger({ level: 'error', sink: () => {} }), terminal);
  try {
    expect(app.metricsPort).toBeGreaterThan(0);
    const open = await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`);
    expect(open.status).toBe(200);
    expect(await open.text()).toContain('# TYPE balance_postings gauge');
    expect((await fetch(`http://127.0.0.1:${app.port}/metrics`)).status).toBe(404);
  } finally {
    await app.stop();
  }
});
