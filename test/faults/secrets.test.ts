import nock from 'nock';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, REDEEM_INPUT, RELOAD_INPUT } from '../../src/app/ids.js';
import { loadConfig, secretsOf } from '../../src/config.js';
import { createLogger, registerSecret } from '../../src/logger.js';
import { type RunningApp, startApp } from '../../src/main.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { sign } from '../support/slack.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';

/** Secrets of the shapes real ones have (so that the logger's patterns, not only its list, are put to work). */
const SECRETS = {
  botToken: 'xoxb-1234567890-0987654321-faultsBotTokenAbCdEf',
  signingSecret: '8f1c2e3d4b5a69788796a5b4c3d2e1f0',
  stripeKey: 'sk_test_51FaultsStripeSecretKey0123456789abcdef',
  webhookSecret: 'whsec_FaultsWebhookSecret0123456789abcdef',
  codeSecret: 'c0de5ecre7-faults-0123456789abcdef0123456789',
};
const OWNER = 'UOWNER1';
const CODE = /BAL(?:-[0-9A-Z]{4}){4}-[0-9A-Z]/g;

/** The 16 data characters of a code, however it is written (BAL-XXXX-…-C, lower case, without hyphens). */
const dataOf = (code: string) =>
  code
    .toUpperCase()
    .replace(/^(BAL|LP)/, '')
    .replace(/[^0-9A-Z]/g, '')
    .slice(0, 16);
const squeezed = (line: string) => line.toUpperCase().replace(/[^0-9A-Z]/g, '');

describe('secrets and codes never reach a log line', () => {
  let slack: FakeSlack;
  let app: RunningApp;
  const lines: string[] = [];
  const codes: string[] = [];
  const url = () => `http://127.0.0.1:${app.port}`;

  beforeAll(async () => {
    slack = await startFakeSlack();
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    // Stripe's API, intercepted in-process: nothing leaves the machine.
    nock('https://api.stripe.com')
      .persist()
      .post('/v1/checkout/sessions')
      .reply(200, (_uri, body) => {
        const paymentId = new URLSearchParams(String(body)).get('metadata[payment_id]');
        return {
          id: `cs_test_${paymentId}`,
          object: 'checkout.session',
          url: `https://checkout.stripe.com/c/pay/cs_test_${paymentId}`,
          expires_at: Math.floor(Date.now() / 1000) + 86_400,
        };
      });
    const config = loadConfig({
      SLACK_BOT_TOKEN: SECRETS.botToken,
      SLACK_SIGNING_SECRET: SECRETS.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_ID: 'BTEST1',
      SLACK_BOT_USER_ID: 'UBOT1',
      BALANCE_OWNERS: OWNER,
      DATABASE_URL: 'pglite://memory',
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: SECRETS.stripeKey,
      STRIPE_WEBHOOK_SECRET: SECRETS.webhookSecret,
      CODE_SECRET: SECRETS.codeSecret,
      FINANCE_CHANNEL: 'C0FINANCE',
      PORT: '0',
      LOG_LEVEL: 'debug',
    });
    // As `balance start` does (src/cli/main.ts): the configured secrets are registered with the logger first.
    for (const secret of secretsOf(config)) registerSecret(secret);
    app = await startApp(config, createLogger({ level: 'debug', sink: (line) => lines.push(line) }));
  });
  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const post = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${url()}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, ...sign(body, undefined, SECRETS.signingSecret) },
    });
  const command = async (text: string, channelId = 'C0ACME') => {
    const res = await post(
      new URLSearchParams({
        team_id: 'T1',
        channel_id: channelId,
        user_id: OWNER,
        command: '/balance',
        text,
        response_url: `${slack.baseUrl}/respond/1`,
        trigger_id: `trigger.${Math.random()}`,
        api_app_id: 'A1',
      }).toString(),
    );
    expect(res.status).toBe(200);
    const reply = await res.text();
    await app.deps.background.drain();
    return reply;
  };
  const submit = async (
    view: { id: string; callback_id: string; private_metadata: string },
    values: unknown,
  ) => {
    const res = await post(
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'view_submission',
          team: { id: 'T1' },
          user: { id: OWNER },
          api_app_id: 'A1',
          view: { ...view, type: 'modal', blocks: [], state: { values } },
        }),
      }).toString(),
    );
    expect(res.status).toBe(200);
    const reply = await res.text();
    await app.deps.background.drain();
    return reply;
  };
  /** Runs a command that opens a modal (views.open follows the ack) and returns the modal it opened. */
  const openModal = async (text: string) => {
    const opened = () => slack.calls.filter((c) => c.method === 'views.open');
    const before = opened().length;
    await command(text);
    await expect.poll(() => opened().length, { timeout: 5_000 }).toBe(before + 1);
    return opened().at(-1)!.body.view as { callback_id: string; private_metadata: string };
  };

  // Proves: with every secret configured and debug logging on, commands, code issue and redemption (message, CSV
  // and modal), a card reload through Stripe, a genuine and a forged webhook, the invoice run and the outbox write no
  // token, signing secret, Stripe key, webhook secret, CODE_SECRET or full code into any log line.
  it('commands, codes, a reload, webhooks, the invoice run and the outbox log no secret and no full code', async () => {
    await command('account create Acme', 'C0GENERAL');
    await command('account link Acme');
    await command('devices 10');

    // Codes shown in a reply, then a batch that goes out as a CSV file.
    const one = await command('codes issue 100 for Acme');
    codes.push(...new Set(one.match(CODE)));
    await command('codes issue 5 x12 spring batch');
    const csv = slack.calls.filter((c) => c.method.startsWith('/upload/')).map((c) => String(c.body.raw));
    codes.push(...new Set(csv.join('\n').match(CODE)));
    expect(codes).toHaveLength(13);

    // A code issued from a quote's button: it comes back through the Web API (chat.postEphemeral), whose debug log
    // shows the request body — the logger's redaction is what keeps this code out.
    await command('quote 10 12 standard for Acme Corp');
    const quoteButton = () =>
      slack.deliveries
        .flatMap(
          (d) => (d.body.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>) ?? [],
        )
        .flatMap((b) => b.elements ?? [])
        .find((e) => e.action_id === ACTION.issueCodeForQuote);
    await expect.poll(quoteButton, { timeout: 5_000 }).toBeDefined();
    const quoteMessage = slack.deliveries.find((d) =>
      JSON.stringify(d.body).includes(ACTION.issueCodeForQuote),
    )!;
    const actions = await post(
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          team: { id: 'T1' },
          user: { id: OWNER },
          api_app_id: 'A1',
          trigger_id: 'trigger.quote',
          channel: { id: 'C0ACME' },
          container: { type: 'message', channel_id: 'C0ACME', message_ts: quoteMessage.ts },
          message: { ts: quoteMessage.ts },
          response_url: `${slack.baseUrl}/respond/2`,
          actions: [
            {
              type: 'button',
              action_id: ACTION.issueCodeForQuote,
              block_id: 'b',
              value: quoteButton()!.value,
              action_ts: '1',
            },
          ],
        }),
      }).toString(),
    );
    expect(actions.status).toBe(200);
    const ephemeral = () =>
      slack.calls.filter((c) => c.method === 'chat.postEphemeral').map((c) => JSON.stringify(c.body));
    await expect
      .poll(() => ephemeral().join().match(CODE)?.length ?? 0, { timeout: 5_000 })
      .toBeGreaterThan(0);
    codes.push(...new Set(ephemeral().join().match(CODE)));
    expect(codes).toHaveLength(14);

    // Redeemed by command, mistyped, and through the Redeem modal.
    expect(await command(`redeem ${codes[0]}`)).toContain('Redeemed');
    await command(`redeem ${codes[1]!.slice(0, -1)}${codes[1]!.endsWith('0') ? '1' : '0'}`);
    const redeemView = await openModal('redeem');
    await submit(
      { id: 'VREDEEM1', ...redeemView },
      { [REDEEM_INPUT]: { [REDEEM_INPUT]: { type: 'plain_text_input', value: codes[2]!.toLowerCase() } } },
    );

    // A card reload: the modal, Stripe Checkout, the signed webhook; and a forged one.
    const reloadView = await openModal('reload 250');
    const step = await submit(
      { id: 'VRELOAD1', ...reloadView },
      {
        [RELOAD_INPUT.mode]: {
          [RELOAD_INPUT.mode]: { type: 'radio_buttons', selected_option: { value: 'amount' } },
        },
        [RELOAD_INPUT.amount]: { [RELOAD_INPUT.amount]: { type: 'plain_text_input', value: '250' } },
      },
    );
    const paymentId = /pay_[0-9A-Z]{16}/.exec(step)![0];
    const event = JSON.stringify({
      id: 'evt_secret_1',
      object: 'event',
      type: 'checkout.session.completed',
      data: {
        object: {
          id: `cs_test_${paymentId}`,
          object: 'checkout.session',
          amount_total: 25_000,
          currency: 'usd',
          metadata: { payment_id: paymentId },
          payment_status: 'paid',
          payment_intent: 'pi_secret_1',
        },
      },
    });
    const webhook = (signature: string) =>
      fetch(`${url()}/webhooks/stripe`, {
        method: 'POST',
        body: event,
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      });
    const stripe = new Stripe(SECRETS.stripeKey);
    expect(
      (
        await webhook(
          stripe.webhooks.generateTestHeaderString({ payload: event, secret: SECRETS.webhookSecret }),
        )
      ).status,
    ).toBe(200);
    expect(
      (await webhook(stripe.webhooks.generateTestHeaderString({ payload: event, secret: 'whsec_wrong0' })))
        .status,
    ).toBe(400);
    await app.deps.background.drain();

    // The month closes (invoices, alerts, the finance summary and CSV), and the outbox sends everything.
    const nextMonth = new Date(Date.now() + 40 * 86_400_000);
    await runInvoices(app.deps.db, { now: nextMonth, timeZone: 'UTC', financeChannel: 'C0FINANCE' });
    await app.deps.outbox.kick();
    await app.deps.outbox.idle();
    expect(slack.deliveries.length).toBeGreaterThanOrEqual(4);

    // What was logged, at debug level: Bolt's and the Web API client's request logs included.
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.includes('http request body'))).toBe(true);
    const leaks: string[] = [];
    for (const line of lines) {
      for (const [name, secret] of Object.entries(SECRETS))
        if (line.includes(secret)) leaks.push(`${name}: ${line}`);
      for (const code of codes)
        if (squeezed(line).includes(dataOf(code))) leaks.push(`code ${code}: ${line}`);
    }
    expect(leaks).toEqual([]);
    // …and the redaction had work to do: the request body logged after the chat.postEphemeral that carried the
    // quote's code shows it masked.
    const at = lines.findIndex((l) => l.includes('http request url') && l.includes('chat.postEphemeral'));
    expect(lines.slice(at, at + 3).join('\n')).toContain('[redacted]');
  });
});
