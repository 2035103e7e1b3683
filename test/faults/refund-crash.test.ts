import { eq, like, sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { outboxMessage } from '../../src/app/outbox-messages.js';
import type { Db } from '../../src/db/client.js';
import { outbox, refunds, transfers } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import type { Account } from '../../src/services/accounts.js';
import type { Payment } from '../../src/services/payments/payments.js';
import { renderMessage } from '../../src/slack/render/message.js';
import { waitForOutput } from '../support/cli.js';
import { describePostgres } from '../support/db.js';
import { paidReload } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople } from '../support/people.js';
import { CODE_SECRET, SIGNING_SECRET, sign, testDocuments } from '../support/slack.js';
import { fakeStripeProvider } from './support/app.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';
import { type FakeStripe, startFakeStripe } from './support/fake-stripe.js';
import { poll, runBalance, spawnBalance } from './support/process.js';

const MINUTE = 60_000;

const refundOf = async (db: Db, payment: Payment) =>
  (await db.select().from(refunds).where(eq(refunds.paymentId, payment.id)))[0]!;

// Real `balance` processes on PostgreSQL (an embedded PGlite cannot be shared between processes), Stripe's API a
// local fake reached through STRIPE_API_URL, Slack's a local fake.
describePostgres('a refund whose process is killed while Stripe has the request', (t) => {
  let stripe: FakeStripe;
  let slack: FakeSlack;
  let acme: Account;
  let payment: Payment;
  let env: Record<string, string>;
  beforeEach(async () => {
    stripe = await startFakeStripe();
    slack = await startFakeSlack();
    ({ acme } = await seedPeople(t.db));
    const intent = `pi_crash_${Math.random().toString(36).slice(2)}`;
    stripe.addPaymentIntent(intent, 100_000);
    payment = await paidReload(t.db, fakeStripeProvider(), acme, 100_000n, new Date(), intent);
    env = {
      DATABASE_URL: t.url!,
      CODE_SECRET,
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-crash-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_ID: 'BTEST1',
      SLACK_BOT_USER_ID: 'UBOT1',
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_crash0123456789',
      STRIPE_WEBHOOK_SECRET: 'whsec_crash0123456789',
      STRIPE_API_URL: stripe.url,
    };
  });
  afterEach(async () => {
    await stripe.close();
    await slack.close();
  });

  /** Starts the app, has finance type `/balance refund <payment> 250`, and kills the app while Stripe holds the call. */
  async function killMidRefund(): Promise<{ refundKey: string }> {
    const app = spawnBalance(['start'], env);
    try {
      const [, port] = await waitForOutput(app.output, /HTTP routes on port (\d+)/, 30_000);
      const held = stripe.holdNextRefund();
      const body = new URLSearchParams({
        command: '/balance',
        text: `refund ${payment.id} 250`,
        user_id: PEOPLE.finance,
        channel_id: ACME_CHANNEL,
        team_id: 'T1',
        response_url: `${slack.baseUrl}/respond`,
        trigger_id: 'trigger.refund.1',
      }).toString();
      void fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) },
      }).catch(() => {}); // the app dies before it answers
      await held;
    } catch (err) {
      app.child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${app.output()}`);
    }
    app.child.kill('SIGKILL');
    expect(await app.exited).toMatchObject({ code: null, signal: 'SIGKILL' });

    // Killed half-way: the wallet debited, the refund pending, nothing answered.
    const refund = await refundOf(t.db, payment);
    expect(refund).toMatchObject({ status: 'pending', amountCents: 25_000n });
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
    return { refundKey: `refund:${payment.id}:${refund.id}` };
  }

  const verify = () => runBalance(['verify'], env);
  const expectVerified = async () => {
    const ok = await verify();
    expect(ok.stdout).toContain('ledger ok');
    expect(ok.code).toBe(0);
  };
  /** What recovery told whoever asked for the refund (queued in the outbox). */
  const resolvedNotice = async () => {
    const [notice] = await t.db.select().from(outbox).where(like(outbox.dedupeKey, 'refund-resolved:%'));
    expect(notice).toMatchObject({ channelId: PEOPLE.finance });
    // The outbox holds the event; what finance reads is its rendering at send time.
    const output = await outboxMessage(
      t.db,
      { currency: 'USD', timeZone: 'UTC' },
      notice!,
      testDocuments(t.db),
    );
    return output.kind === 'message' ? renderMessage(output.message).text : '';
  };
  /** The refund's transfers, by kind: `refund` (the debit) and `refund-failed` (its reversal). */
  const refundTransfers = async () =>
    (await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'refund%')))
      .map((r) => [r.idempotencyKey.split(':')[0], r.amount])
      .sort();
  const posts = (key: string) => stripe.calls.filter((c) => c.method === 'POST' && c.idempotencyKey === key);

  // Proves: Stripe carried out the request of the killed process; `verify` calls the refund a problem once it is
  // over 10 minutes old; the next start asks Stripe (its refunds, by the key in their metadata), marks the refund
  // succeeded without refunding again, tells finance, and verify passes.
  it('Stripe made the refund: the next start settles it, and verify passes again', async () => {
    const { refundKey } = await killMidRefund();
    stripe.finishHeld('carried-out');

    // Ten minutes on (this update stands for them passing), the half-done refund is a problem verify reports.
    await t.db.execute(sql`update refunds set created_at = created_at - interval '15 minutes'`);
    const stuck = await verify();
    expect(stuck.stdout).toMatch(
      new RegExp(`refund \\d+ of payment ${payment.id} \\(25000\\) pending since`),
    );
    expect(stuck.stdout).toContain('ledger NOT consistent: 1 problem(s)');
    expect(stuck.code).toBe(1);

    const app = spawnBalance(['start'], env);
    try {
      const settled = await poll(
        () => refundOf(t.db, payment),
        (r) => r.status !== 'pending',
        'the start to recover the refund',
      );
      expect(settled).toMatchObject({ status: 'succeeded', providerRef: stripe.refunds()[0]!.id });
      await waitForOutput(app.output, /recovery: 1 refunds settled, 0 reversed/);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
    expect(stripe.refunds()).toEqual([
      expect.objectContaining({
        amount: 25_000,
        metadata: expect.objectContaining({ balance_refund_key: refundKey }),
      }),
    ]);
    expect(posts(refundKey)).toHaveLength(1); // only the killed process's call: Stripe was not asked to refund again
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
    expect(await refundTransfers()).toEqual([['refund', 25_000n]]);
    expect(await resolvedNotice()).toContain('has gone through');

    await expectVerified();
  }, 90_000);

  // Proves: a request Stripe never received is finished by recovery — two replicas running the job at the same
  // moment ask Stripe again under the refund's own key, so Stripe makes exactly one refund, and verify passes.
  it('Stripe never got it: two replicas recover at once, Stripe refunds once', async () => {
    const { refundKey } = await killMidRefund();
    stripe.finishHeld('lost');
    expect(stripe.refunds()).toEqual([]);

    const now = new Date(Date.now() + 3 * MINUTE).toISOString();
    stripe.gatherLists(2); // both replicas have found the refund pending and asked Stripe before either hears back
    const replicas = await Promise.all([0, 1].map(() => runBalance(['jobs', 'recover', '--now', now], env)));
    const outputs = replicas.map((r) => r.output).join('\n');
    expect(stripe.refunds(), outputs).toHaveLength(1);
    expect(stripe.refunds()[0]).toMatchObject({
      amount: 25_000,
      metadata: { balance_refund_key: refundKey },
    });
    expect(await refundOf(t.db, payment)).toMatchObject({
      status: 'succeeded',
      providerRef: stripe.refunds()[0]!.id,
    });
    expect(await walletBalance(t.db, acme.id)).toBe(75_000n);
    expect(await refundTransfers()).toEqual([['refund', 25_000n]]);

    await expectVerified();
  }, 90_000);

  // Proves: a request Stripe never received, found a day later (past the key's 24 hours, when asking again could
  // refund twice), is undone: `balance jobs recover` reverses the debit under its own key without calling Stripe's
  // create again, the balance is whole, and verify passes.
  it('Stripe never got it and a day has passed: the job reverses the debit', async () => {
    const { refundKey } = await killMidRefund();
    stripe.finishHeld('lost');

    const now = new Date(Date.now() + 25 * 60 * MINUTE).toISOString();
    const job = await runBalance(['jobs', 'recover', '--now', now], env);
    expect(job.stdout, job.output).toContain('refunds: 0 settled, 1 reversed, 0 still pending');
    expect(job.code).toBe(0);
    expect(await refundOf(t.db, payment)).toMatchObject({ status: 'failed' });
    expect(await walletBalance(t.db, acme.id)).toBe(100_000n);
    expect(await refundTransfers()).toEqual([
      ['refund', 25_000n],
      ['refund-failed', 25_000n],
    ]);
    expect(stripe.refunds()).toEqual([]);
    expect(posts(refundKey)).toHaveLength(1);
    expect(await resolvedNotice()).toContain('was not made: the amount is back on the balance');

    await expectVerified();
  }, 90_000);
});
