import { request } from 'node:http';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Deps } from '../../src/app/types.js';
import { accounts, payments } from '../../src/db/schema.js';
import { appRoutes } from '../../src/http/routes.js';
import { SLACK_EVENTS_PATH } from '../../src/http/slack-events.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import { invoiceLinkKey, invoiceToken } from '../../src/services/invoice-links.js';
import type { Payments } from '../../src/services/payments/configured.js';
import type { Payment } from '../../src/services/payments/payments.js';
import type { PaymentProvider } from '../../src/services/payments/provider.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { waitForOutput } from '../support/cli.js';
import { describePostgres } from '../support/db.js';
import { owe, pendingPayment } from '../support/fixtures.js';
import { CODE_SECRET, OWNER, SIGNING_SECRET, sign, slashCommand } from '../support/slack.js';
import { fakeStripeProvider, STRIPE_KEY, WEBHOOK_SECRET } from './support/app.js';
import { fastCounts } from './support/counts.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';
import { runBalance, type ServingProcess, serveBalance } from './support/process.js';

// The real app (`balance start`, HTTP mode, PostgreSQL), attacked from outside as issue 10 did: every route and
// /slack/events get malformed paths, bodies past their limits, JSON where objects go, and signed bodies that are
// well signed but malformed. After every request the answer is a 4xx (or a 500 with an error logged), /healthz
// still answers 200 and the process still runs. One process per payments provider, so that every route exists.

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const stripe = new Stripe(STRIPE_KEY);

/**
 * The paths each process serves, read from the app's own route table (only the patterns: nothing is handled, so the
 * dependencies are not needed) and /slack/events: a route added to the app is attacked without being listed here.
 */
function servedPaths(withStripe: boolean): string[] {
  const configured = withStripe ? { stripe: { client: stripe, webhookSecret: WEBHOOK_SECRET } } : {};
  const routes = appRoutes({ config: {} } as Deps, { ping: async () => true }, configured as Payments);
  return [...new Set([...routes.map((r) => r.path), SLACK_EVENTS_PATH])];
}

/** A route pattern with each `:parameter` replaced by each of its values. */
function fill(pattern: string, values: Record<string, string[]>): string[] {
  const [, name] = /:(\w+)/.exec(pattern) ?? [];
  if (!name) return [pattern];
  return values[name]!.flatMap((value) => fill(pattern.replace(`:${name}`, value), values));
}

interface Attack {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string | undefined>;
  /**
   * The refusal that may be lost in a reset: node refuses a request head over 16 KB (431), and the app a body its
   * Content-Length puts over the limit (413), at once, closing while the client may still be writing.
   */
  mayReset?: 413 | 431;
}
interface Answer {
  status: number;
  text: string;
}

/** One request on a connection of its own (a refused body may reset it), with the path sent byte for byte. */
function send(port: number, attack: Attack): Promise<Answer> {
  const body = attack.body === undefined ? undefined : Buffer.from(attack.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(attack.headers ?? {}))
    if (value !== undefined) headers[name] = value;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: attack.method ?? 'GET', path: attack.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => resolve({ status: res.statusCode!, text: '' }));
        res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${describe(attack)}`)));
    // Once answered, a reset (or a broken pipe) while still writing the body changes nothing.
    req.on('error', (err: NodeJS.ErrnoException) =>
      attack.mayReset && (err.code === 'ECONNRESET' || err.code === 'EPIPE')
        ? resolve({ status: attack.mayReset, text: 'reset' })
        : reject(err),
    );
    req.end(body);
  });
}

function describe(attack: Attack): string {
  const body = attack.body === undefined ? '' : ` ${String(attack.body).slice(0, 120)}`;
  return `${attack.method ?? 'GET'} ${attack.path.slice(0, 120)}${body}`;
}

/** Sends an attack; fails on a 500 without a logged error, or if /healthz stops answering or the process ends. */
async function survive(app: ServingProcess, attack: Attack): Promise<Answer> {
  const mark = app.output().length;
  const answer = await send(app.port, attack);
  const what = `${describe(attack)} → ${answer.status} ${answer.text.slice(0, 200)}`;
  if (answer.status >= 500)
    await waitForOutput(() => app.output().slice(mark), /"level":"error"/, 2_000).catch(() => {
      throw new Error(`a 500 without a logged error: ${what}`);
    });
  expect((await send(app.port, { path: '/healthz' })).status, `healthz after ${what}`).toBe(200);
  expect(app.alive(), `the process after ${what}\n${app.output().slice(-2000)}`).toBe(true);
  return answer;
}

const slackSigned = (body: string | Buffer, contentType = FORM, at?: number) => ({
  method: 'POST',
  path: '/slack/events',
  body,
  headers: { 'content-type': contentType, ...sign(String(body), at) },
});
const stripeSigned = (body: string, timestamp?: number) => ({
  method: 'POST',
  path: '/webhooks/stripe',
  body,
  headers: {
    'content-type': JSON_TYPE,
    'stripe-signature': stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: WEBHOOK_SECRET,
      ...(timestamp ? { timestamp } : {}),
    }),
  },
});

describePostgres('hostile requests against the real app', (t) => {
  let api: FakeSlack;
  let sandboxApp: ServingProcess;
  let stripeApp: ServingProcess;
  let acme: Account;
  let token: string;
  let serial = 0;

  beforeAll(async () => {
    api = await startFakeSlack();
    const env = {
      DATABASE_URL: t.url!,
      CODE_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-hostile-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: api.apiUrl,
      SLACK_BOT_ID: 'BTEST1',
      SLACK_BOT_USER_ID: 'UBOT1',
      BALANCE_OWNERS: OWNER,
    };
    sandboxApp = await serveBalance(env);
    stripeApp = await serveBalance({
      ...env,
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
  }, 120_000);

  afterAll(async () => {
    for (const app of [sandboxApp, stripeApp].filter(Boolean)) {
      app.child.kill('SIGTERM');
      expect((await app.exited).code, app.output().slice(-2000)).toBe(0);
    }
    await api?.close();
  });

  beforeEach(async () => {
    acme = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: OWNER });
    ({ token } = await createApiToken(t.db, { name: 'hostile', actor: OWNER, now: new Date() }));
  });

  const pending = (provider: PaymentProvider, amountCents: bigint, now = new Date()) =>
    pendingPayment(t.db, provider, acme, amountCents, { now });
  const statusOf = async (payment: Payment) =>
    (await t.db.select().from(payments).where(eq(payments.id, payment.id)))[0]!.status;
  /** Runs attacks that must each be refused with a 4xx and write nothing. */
  const refusedAll = async (app: ServingProcess, attacks: Array<[string, Attack]>) => {
    for (const [what, attack] of attacks) {
      const before = await fastCounts(t.db);
      const { status, text } = await survive(app, attack);
      expect(status, `${what}: ${text}`).toBeGreaterThanOrEqual(400);
      expect(status, `${what}: ${text}`).toBeLessThan(500);
      expect(await fastCounts(t.db), what).toEqual(before);
    }
  };

  const PATH_ATTACKS = [
    '%00',
    'pay_%00AAAAAAAAAAAAAAA',
    'pay_0000000000000000%00',
    '%C0%80',
    '%FF',
    '%E0%80%80',
    '%ED%A0%80',
    '%',
    '%2',
    '%zz',
    '%%41',
    'A'.repeat(10_000),
    '..%2F..%2Fetc%2Fpasswd',
    '%F0%9F%92%B0',
    'pay_0000000000000000/extra',
    "pay_'%20OR%201=1%20--",
  ];
  /** Invoice numbers a byte away from a real one, with its PDF and Pay suffixes (SPEC §17). */
  const INVOICE_PATH_ATTACKS = [
    'INV-2026-00001%00',
    'INV-2026-00001%00.pdf',
    'INV-2026-00001.pdf%00',
    'INV-2026-0000%C0%B1',
    'INV-2026-00001%C0%AEpdf',
    'INV-2026-00001.pdf/pay',
    'INV-2026-00001%2Fpay',
    'INV-2026-00001/pay%00',
    'INV-2026-00001/%FF',
    `INV-2026-${'1'.repeat(10_000)}`,
    `INV-2026-00001${'.pdf'.repeat(2_000)}`,
    "INV-2026-00001'%20OR%201=1%20--",
  ];
  const WHOLE_PATHS = [
    '/%00',
    '//healthz',
    '/invoices',
    '/invoices/',
    '/invoices%00/INV-2026-00001',
    '*',
    `/${'x'.repeat(100_000)}`,
  ];

  // Proves: a NUL byte, overlong UTF-8, bad `%` escapes and huge paths on any route (issue 10: `GET /pay/sandbox/%00`
  // ended the process) get a 4xx from the route wrapper, with either provider.
  it('paths: NUL, overlong UTF-8, bad escapes and 100 KB paths get 4xx; both processes keep serving', async () => {
    for (const app of [sandboxApp, stripeApp]) {
      const attacks: Array<[string, Attack]> = [];
      const served = servedPaths(app === stripeApp);
      // Every route with a parameter: a hostile parameter; every literal route: a NUL and a bad escape after it.
      const prefixes = served
        .filter((p) => p.includes(':') && !p.startsWith('/invoices/'))
        .map((p) => p.slice(0, p.indexOf(':')));
      const literal = served
        .filter((p) => !p.includes(':'))
        .flatMap((p) => [`${p}%00`, `${p}/%FF`, `${p}/%C0%80`]);
      for (const prefix of prefixes)
        for (const suffix of PATH_ATTACKS)
          for (const method of ['GET', 'POST'])
            attacks.push([`${method} ${prefix}${suffix}`, { method, path: `${prefix}${suffix}` }]);
      // Invoice paths with a token of the right form too, so that the number's own check is what refuses them.
      for (const suffix of [...PATH_ATTACKS, ...INVOICE_PATH_ATTACKS])
        for (const query of ['', `?t=${'A'.repeat(22)}`])
          for (const path of [`/invoices/${suffix}${query}`, `/invoices/${suffix}/pay${query}`])
            for (const method of ['GET', 'POST']) attacks.push([`${method} ${path}`, { method, path }]);
      for (const path of [...literal, ...WHOLE_PATHS])
        for (const method of ['GET', 'POST', 'DELETE'])
          attacks.push([
            `${method} ${path}`,
            { method, path, ...(path.length > 16_000 && { mayReset: 431 }) },
          ]);
      await refusedAll(app, attacks);
    }
  });

  // Proves: every body limit holds (413) and JSON that is not an object, on every POST route, is a 4xx.
  it('bodies: past each limit, JSON null, arrays, strings and numbers, bad UTF-8: 4xx, nothing written', async () => {
    const sandboxPay = await pending(
      sandboxProvider(() => 'http://localhost', t.db),
      5_000n,
    );
    const stripePay = await pending(fakeStripeProvider(), 5_000n);
    const bearer = { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE };
    const jsonBodies = [
      'null',
      '[]',
      '"x"',
      '1',
      'true',
      '{}',
      '[[[[[[[[[[]]]]]]]]]]',
      '{"__proto__":{"x":1}}',
    ];
    const routes: Array<[ServingProcess, string, number]> = [
      [sandboxApp, `/pay/sandbox/${sandboxPay.id}`, 1024],
      [sandboxApp, '/api/device-counts', 10 * 1024],
      [sandboxApp, '/slack/events', 1_000_000],
      [stripeApp, '/webhooks/stripe', 512 * 1024],
      [stripeApp, '/api/device-counts', 10 * 1024],
    ];
    for (const [app, path, limit] of routes) {
      const attacks: Array<[string, Attack]> = [
        [
          `${path}: one byte over ${limit}`,
          { method: 'POST', path, body: 'x'.repeat(limit + 1), headers: bearer, mayReset: 413 },
        ],
        [
          `${path}: 20 KB form`,
          {
            method: 'POST',
            path,
            body: `action=${'p'.repeat(20_000)}`,
            headers: { ...bearer, 'content-type': FORM },
            ...(limit < 20_000 && { mayReset: 413 }),
          },
        ],
        [
          `${path}: bad UTF-8`,
          { method: 'POST', path, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), headers: bearer },
        ],
        [
          `${path}: payload=null`,
          { method: 'POST', path, body: 'payload=null', headers: { ...bearer, 'content-type': FORM } },
        ],
        ...jsonBodies.map((body): [string, Attack] => [
          `${path}: ${body}`,
          { method: 'POST', path, body, headers: bearer },
        ]),
      ];
      if (limit > 20_000)
        attacks.push([
          `${path}: 2 MB`,
          { method: 'POST', path, body: 'x'.repeat(2_000_000), headers: bearer, mayReset: 413 },
        ]);
      await refusedAll(app, attacks);
    }
    expect([await statusOf(sandboxPay), await statusOf(stripePay)]).toEqual(['pending', 'pending']);
  });

  // Proves: device-count fields are read through zod before any query: a NUL in the account name, a year 0000 or a
  // 1900 `at` (issue 10: year 0000 gave 500) are 400 and write nothing.
  it('device counts with a valid token: NUL names, year 0000, 1900 and other nonsense get 400', async () => {
    const post = (body: unknown): Attack => ({
      method: 'POST',
      path: '/api/device-counts',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE },
    });
    await refusedAll(sandboxApp, [
      ['a NUL in the account', post({ account: 'Acme\u0000', count: 1 })],
      ['only a NUL', post({ account: '\u0000', count: 1 })],
      ['year 0000', post({ account: 'Acme', count: 1, at: '0000-01-01T00:00:00Z' })],
      ['1900', post({ account: 'Acme', count: 1, at: '1900-01-01T00:00:00Z' })],
      ['year 9999', post({ account: 'Acme', count: 1, at: '9999-12-31T23:59:59Z' })],
      ['a count beyond doubles', post('{"account":"Acme","count":1e400}')],
      ['a NUL in a key', post({ 'account\u0000': 'Acme', count: 1 })],
      [
        'a bearer token holding a NUL escape',
        {
          ...post({ account: 'Acme', count: 1 }),
          headers: { authorization: 'Bearer %00', 'content-type': JSON_TYPE },
        },
      ],
    ]);
  });

  // Proves: /slack/events refuses signed bodies that are not one of Slack's shapes before Bolt dispatches them
  // (issue 10: a signed `payload=null` or JSON `null` ended the process), and a request signed more than a minute
  // ahead (Bolt only refuses old ones). The genuine command at the end is taken: the refusals are the checks' doing.
  it('/slack/events: signed malformed payloads and a stamp 2 minutes ahead are refused; a genuine command works', async () => {
    const command = (fields: Record<string, string> = {}) =>
      slashCommand({ text: 'account create Forged Co', response_url: `${api.baseUrl}/respond/1`, ...fields });
    const interaction = (payload: unknown) =>
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const action = {
      type: 'block_actions',
      user: { id: OWNER },
      team: { id: 'T1' },
      api_app_id: 'A1',
      trigger_id: 'trigger.x',
      actions: [{ action_id: 'x', block_id: 'y', type: 'button', value: 'v' }],
    };
    const { user_id: _dropped, ...withoutUser } = Object.fromEntries(new URLSearchParams(command()));
    const forms: Array<[string, string]> = [
      ['payload=null', 'payload=null'],
      ['an empty payload', 'payload='],
      ['payload garbage', 'payload=%7Bnot%20json'],
      ['payload=[]', 'payload=%5B%5D'],
      ['payload="x"', 'payload=%22x%22'],
      ['payload=1', 'payload=1'],
      ['payload={}', interaction({})],
      ['an action without a user', interaction({ ...action, user: undefined })],
      ['an action whose user is null', interaction({ ...action, user: null })],
      ['an action with no actions', interaction({ ...action, actions: [] })],
      ['an action whose actions are null', interaction({ ...action, actions: null })],
      ['an action whose action is a string', interaction({ ...action, actions: ['x'] })],
      ['a team id "__proto__"', interaction({ ...action, team: { id: '__proto__' } })],
      ['a user id holding NUL', interaction({ ...action, user: { id: 'U\u0000' } })],
      [
        'a NUL deep in the payload',
        interaction({ ...action, actions: [{ ...action.actions[0], value: 'a\u0000' }] }),
      ],
      ['a view submission without a view', interaction({ type: 'view_submission', user: { id: OWNER } })],
      [
        'a view submission whose view is a string',
        interaction({ type: 'view_submission', user: { id: OWNER }, view: 'v' }),
      ],
      ['an unknown payload type', interaction({ ...action, type: 'launch_missiles' })],
      ['two payloads', 'payload=%7B%7D&payload=%7B%7D'],
      ['a command without user_id', new URLSearchParams(withoutUser).toString()],
      ['a command whose user_id holds NUL', command({ user_id: `${OWNER}\u0000` })],
      ['a command whose text holds NUL', command({ text: 'account create Evil\u0000 Co' })],
      ['a command whose user_id is 100 KB', command({ user_id: 'U'.repeat(100_000) })],
      ['a command sent twice in one form', `${command()}&command=%2Fbalance`],
      ['a form that is no command', 'foo=bar'],
    ];
    const jsons: Array<[string, string]> = [
      ['JSON null', 'null'],
      ['a JSON array', '[]'],
      ['a JSON string', '"x"'],
      ['a JSON number', '1'],
      ['JSON true', 'true'],
      ['{}', '{}'],
      ['an event callback without an event', '{"type":"event_callback","team_id":"T1"}'],
      ['an event that is null', '{"type":"event_callback","team_id":"T1","event":null}'],
      ['an event that is a string', '{"type":"event_callback","team_id":"T1","event":"x"}'],
      [
        'an event item that is a string',
        '{"type":"event_callback","team_id":"T1","event":{"type":"reaction_added","item":"x"}}',
      ],
      [
        'an event user holding NUL',
        '{"type":"event_callback","team_id":"T1","event":{"type":"app_home_opened","user":"U\\u0000","tab":"home"}}',
      ],
      ['a url_verification without a challenge', '{"type":"url_verification"}'],
      ['JSON nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
      ['bad JSON', '{"type":'],
    ];
    const future = Math.floor(Date.now() / 1000) + 120;
    await refusedAll(sandboxApp, [
      ...forms.map(([what, body]): [string, Attack] => [what, slackSigned(body)]),
      ...jsons.map(([what, body]): [string, Attack] => [what, slackSigned(body, JSON_TYPE)]),
      ['bad UTF-8', slackSigned(Buffer.from([0x7b, 0xff, 0x7d]), JSON_TYPE)],
      ['a command as text/plain', slackSigned(command(), 'text/plain')],
      ['a command over 1 MB', slackSigned(command({ text: 'x'.repeat(1_100_000) }))],
      [
        'a command stamped 2 minutes ahead',
        slackSigned(command({ text: 'account create Future Co' }), FORM, future),
      ],
    ]);
    const stamped = await send(sandboxApp.port, slackSigned(command(), FORM, future));
    expect(stamped.status).toBe(401);

    const genuine = await survive(sandboxApp, slackSigned(command({ text: 'account create Genuine Co' })));
    expect(genuine.status).toBe(200);
    expect(genuine.text).toContain('Genuine Co');
    const names = (await t.db.select({ name: accounts.name }).from(accounts)).map((a) => a.name).sort();
    expect(names).toEqual(['Acme', 'Genuine Co']);
  });

  // Proves: a signed Stripe event is checked against the stored payment before it is acted on (issue 10: the webhook
  // credited the stored amount whatever the event said): a null object, a NUL in an id, another amount, currency,
  // session or provider, or a signature stamped 2 minutes ahead → 400, nothing written. The genuine event credits.
  it('/webhooks/stripe: signed bad events are refused and write nothing; the genuine one credits once', async () => {
    const payment = await pending(fakeStripeProvider(), 12_345n);
    const sandboxPayment = await pending(
      sandboxProvider(() => 'http://localhost', t.db),
      12_345n,
    );
    const session = (p: Payment, more: Record<string, unknown> = {}) => ({
      id: `cs_test_${p.id}`,
      object: 'checkout.session',
      amount_total: Number(p.amountCents),
      currency: 'usd',
      payment_status: 'paid',
      payment_intent: `pi_${p.id}`,
      metadata: { payment_id: p.id },
      client_reference_id: p.id,
      ...more,
    });
    const event = (object: unknown, more: Record<string, unknown> = {}) =>
      JSON.stringify({
        id: `evt_hostile_${++serial}`,
        object: 'event',
        type: 'checkout.session.completed',
        data: { object },
        ...more,
      });
    const future = Math.floor(Date.now() / 1000) + 120;
    await refusedAll(stripeApp, [
      ['JSON null', stripeSigned('null')],
      ['an array', stripeSigned('[]')],
      ['a string', stripeSigned('"x"')],
      ['a number', stripeSigned('1')],
      ['{}', stripeSigned('{}')],
      ['data null', stripeSigned(event(null).replace('{"object":null}', 'null'))],
      ['data.object null', stripeSigned(event(null))],
      ['data.object an array', stripeSigned(event([]))],
      ['data.object a string', stripeSigned(event('x'))],
      [
        'a payment id holding NUL',
        stripeSigned(event(session(payment, { metadata: { payment_id: `${payment.id}\u0000` } }))),
      ],
      [
        'a payment id of NUL only',
        stripeSigned(event(session(payment, { metadata: { payment_id: '\u0000' } }))),
      ],
      [
        'a payment id of 100 KB',
        stripeSigned(event(session(payment, { metadata: { payment_id: `pay_${'A'.repeat(100_000)}` } }))),
      ],
      ['an event id holding NUL', stripeSigned(event(session(payment), { id: 'evt_\u0000' }))],
      [
        'a payment intent holding NUL',
        stripeSigned(event(session(payment, { payment_intent: 'pi_\u0000' }))),
      ],
      ['another amount', stripeSigned(event(session(payment, { amount_total: 12_346 })))],
      ['no amount', stripeSigned(event(session(payment, { amount_total: null })))],
      ['the amount as a string', stripeSigned(event(session(payment, { amount_total: '12345' })))],
      ['another currency', stripeSigned(event(session(payment, { currency: 'eur' })))],
      ['another session', stripeSigned(event(session(payment, { id: 'cs_test_someone_else' })))],
      ['a sandbox payment', stripeSigned(event(session(sandboxPayment)))],
      [
        'an expiry for another amount',
        stripeSigned(
          event(session(payment, { amount_total: 1, payment_status: 'unpaid' }), {
            type: 'checkout.session.expired',
          }),
        ),
      ],
      ['a signature stamped 2 minutes ahead', stripeSigned(event(session(payment)), future)],
    ]);
    expect([await statusOf(payment), await statusOf(sandboxPayment)]).toEqual(['pending', 'pending']);
    expect(await walletBalance(t.db, acme.id)).toBe(0n);

    const genuine = event(session(payment));
    expect((await survive(stripeApp, stripeSigned(genuine))).status).toBe(200);
    expect((await survive(stripeApp, stripeSigned(genuine))).status).toBe(200);
    expect(await statusOf(payment)).toBe('paid');
    expect(await walletBalance(t.db, acme.id)).toBe(12_345n);
  });

  // Proves: the sandbox takes exactly `pay` or `cancel` (issue 10: `CANCEL` paid) and no ended checkout (issue 10:
  // an expired payment was paid).
  it('the sandbox: unknown actions get 400 and pay nothing; an expired payment shows expired and pays nothing', async () => {
    const provider = sandboxProvider(() => 'http://localhost', t.db);
    const live = await pending(provider, 5_000n);
    const ended = await pending(provider, 7_000n, new Date(Date.now() - 2 * 86_400_000));
    const post = (payment: Payment, body: string | Buffer, contentType = FORM): Attack => ({
      method: 'POST',
      path: `/pay/sandbox/${payment.id}`,
      body,
      headers: { 'content-type': contentType },
    });
    await refusedAll(sandboxApp, [
      ['CANCEL', post(live, 'action=CANCEL')],
      ['Pay', post(live, 'action=Pay')],
      ['refund', post(live, 'action=refund')],
      ['an empty action', post(live, 'action=')],
      ['pay and cancel', post(live, 'action=pay&action=cancel')],
      ['an extra field', post(live, 'action=pay&amount=1')],
      ['a bad escape', post(live, 'action=%FF')],
      ['JSON', post(live, '{"action":"cancel"}', JSON_TYPE)],
      ['a form as text/plain', post(live, 'action=pay', 'text/plain')],
      ['bad UTF-8', post(live, Buffer.from([0x61, 0x3d, 0xff]))],
    ]);
    expect(await statusOf(live)).toBe('pending');

    const page = await survive(sandboxApp, { path: `/pay/sandbox/${ended.id}` });
    expect(page.text).toContain('This payment link has expired');
    expect(page.text).not.toContain('<form');
    const paid = await survive(sandboxApp, post(ended, 'action=pay'));
    expect(paid.text).toContain('This payment link has expired');
    expect(await statusOf(ended)).toBe('expired');
    expect(await walletBalance(t.db, acme.id)).toBe(0n);

    const control = await survive(sandboxApp, post(live, 'action=pay'));
    expect(control.text).toContain('This payment is complete');
    expect(await walletBalance(t.db, acme.id)).toBe(5_000n);
  });

  // Proves: an invoice link's token is read in its exact format before anything is looked up, and every wrong one
  // (NUL, overlong UTF-8, bad escapes, 10 KB, twice, another invoice's, a byte off) is answered exactly as an unknown
  // number — one 404 page — by both processes, writing nothing; the right link opens the page and the PDF.
  it("invoice links: hostile tokens get the unknown number's 404, byte for byte; the right one opens the page", async () => {
    const invoice = await owe(t.db, acme.id, 5_000n, {
      month: '2026-01',
      issueDate: '2026-02-01',
      dueDate: '2026-02-08',
    });
    const key = invoiceLinkKey(CODE_SECRET);
    const right = invoiceToken(key, invoice.id);
    const base = `/invoices/${invoice.number}`;
    const unknownNumber = `/invoices/INV-2026-99999?t=${right}`;
    const tokens = [
      '',
      '%00',
      `${right}%00`,
      `%00${right.slice(1)}`,
      `${right.slice(0, -2)}%C0%80`,
      `${right.slice(0, -1)}%FF`,
      `${right.slice(0, -1)}%`,
      `${right.slice(0, -1)}%zz`,
      `${right.slice(0, -1)}${right.endsWith('A') ? 'B' : 'A'}`,
      `${right}&t=${right}`,
      `${right}%26t%3D${right}`,
      'A'.repeat(10_000),
      invoiceToken(key, invoice.id + 1),
      `${right.slice(0, 21)}%3D`,
      "'%20OR%201=1%20--",
    ];
    for (const app of [sandboxApp, stripeApp]) {
      const unknown = await survive(app, { path: unknownNumber });
      expect(unknown.status).toBe(404);
      expect(unknown.text).toContain('Invoice not found');
      const attacks: Array<[string, Attack]> = [['no query', { path: base }]];
      for (const token of tokens)
        for (const [method, path] of [
          ['GET', `${base}?t=${token}`],
          ['GET', `${base}.pdf?t=${token}`],
          ['POST', `${base}/pay?t=${token}`],
        ] as const)
          attacks.push([`${method} ${path.slice(0, 80)}`, { method, path }]);
      for (const [what, attack] of attacks) {
        const before = await fastCounts(t.db);
        expect(await survive(app, attack), what).toEqual(unknown);
        expect(await fastCounts(t.db), what).toEqual(before);
      }
      const page = await survive(app, { path: `${base}?t=${right}` });
      expect(page.status).toBe(200);
      expect(page.text).toContain('Pay $50.00');
      expect((await survive(app, { path: `${base}.pdf?t=${right}` })).text.slice(0, 5)).toBe('%PDF-');
      await refusedAll(app, [
        [
          'a Pay form over its 1 KB limit',
          {
            method: 'POST',
            path: `${base}/pay?t=${right}`,
            body: 'x'.repeat(1025),
            headers: { 'content-type': FORM },
          },
        ],
        [
          'a Pay form with a field',
          {
            method: 'POST',
            path: `${base}/pay?t=${right}`,
            body: 'amount=1',
            headers: { 'content-type': FORM },
          },
        ],
        [
          'a Pay form that is JSON null',
          {
            method: 'POST',
            path: `${base}/pay?t=${right}`,
            body: 'null',
            headers: { 'content-type': JSON_TYPE },
          },
        ],
      ]);
    }
    // Pay with the right link on the Stripe process, which has no Stripe to reach: logged, 503, nothing charged.
    const down = await survive(stripeApp, { method: 'POST', path: `${base}/pay?t=${right}` });
    expect(down.status).toBe(503);
    expect(down.text).toContain('Nothing was charged');
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
  });

  // Proves: whatever the method, path, content type, body and signature, no route answers 500, /healthz keeps
  // answering and the processes keep running; the one payment a random request may pay is credited at most once,
  // and at the end `balance verify` passes.
  it('property: random methods, paths, bodies and signatures on every route never end the process', async () => {
    const live = await pending(
      sandboxProvider(() => 'http://localhost', t.db),
      5_000n,
    );
    const invoice = await owe(t.db, acme.id, 7_000n, {
      month: '2026-01',
      issueDate: '2026-02-01',
      dueDate: '2026-02-08',
    });
    const right = invoiceToken(invoiceLinkKey(CODE_SECRET), invoice.id);
    const routeSegments = [
      'pay',
      'sandbox',
      'return',
      'healthz',
      'api',
      'device-counts',
      'accounts',
      'Acme',
      'metrics',
      'webhooks',
      'stripe',
      'slack',
      'events',
      'invoices',
      invoice.number,
      `${invoice.number}.pdf`,
      live.id,
    ];
    const segment = fc.oneof(
      fc.constantFrom(...routeSegments),
      fc.string({ unit: 'binary', maxLength: 24 }).map(encodeURIComponent),
      fc.stringMatching(/^(%[0-9A-Fa-f]{2}|%|[A-Za-z0-9_.~-]){0,12}$/),
    );
    const path = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
      fc
        .tuple(fc.constantFrom('/pay/sandbox/', '/pay/return/'), segment)
        .map(([prefix, s]) => `${prefix}${s}`),
      fc.constantFrom(
        ...[...servedPaths(false), ...servedPaths(true)].flatMap((pattern) =>
          fill(pattern, {
            name: ['Acme'],
            id: [live.id],
            number: [invoice.number],
            file: [invoice.number, `${invoice.number}.pdf`],
          }),
        ),
      ),
      fc
        .tuple(
          fc.constantFrom(
            `/invoices/${invoice.number}`,
            `/invoices/${invoice.number}.pdf`,
            `/invoices/${invoice.number}/pay`,
          ),
          fc.oneof(
            fc.constant(right),
            segment,
            fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
            fc.stringMatching(/^[A-Za-z0-9_%-]{0,30}$/),
          ),
        )
        .map(([route, token]) => `${route}?t=${token}`),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `payload=${encodeURIComponent(s)}`),
      fc
        .dictionary(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 20 }))
        .map((d) => new URLSearchParams(d).toString()),
    );
    const attack = fc.record({
      app: fc.constantFrom('sandbox', 'stripe'),
      method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path,
      body,
      contentType: fc.constantFrom(
        undefined,
        JSON_TYPE,
        FORM,
        'text/plain',
        'application/json; charset=utf-8',
      ),
      signature: fc.constantFrom('none', 'slack', 'stripe', 'bearer'),
    });
    await fc.assert(
      fc.asyncProperty(attack, async (a) => {
        const text = a.body === undefined ? '' : a.body.toString();
        const headers: Record<string, string | undefined> = { 'content-type': a.contentType };
        if (a.signature === 'slack') Object.assign(headers, sign(text));
        if (a.signature === 'stripe')
          headers['stripe-signature'] = stripe.webhooks.generateTestHeaderString({
            payload: text,
            secret: WEBHOOK_SECRET,
          });
        if (a.signature === 'bearer') headers.authorization = `Bearer ${token}`;
        const answer = await survive(a.app === 'sandbox' ? sandboxApp : stripeApp, {
          method: a.method,
          path: a.path,
          body: a.body,
          headers,
        });
        // The one request that calls a provider: the Stripe process has no Stripe to reach, and says so (503).
        const startsStripeCheckout =
          a.app === 'stripe' &&
          a.method === 'POST' &&
          a.path === `/invoices/${invoice.number}/pay?t=${right}`;
        if (startsStripeCheckout && answer.status === 503)
          expect(answer.text).toContain('The payment provider did not answer');
        else expect(answer.status, answer.text).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect([0n, 5_000n]).toContain(await walletBalance(t.db, acme.id));

    expect([sandboxApp.alive(), stripeApp.alive()]).toEqual([true, true]);
    const verify = await runBalance(['verify'], { DATABASE_URL: t.url!, CODE_SECRET });
    expect(verify.code, verify.output).toBe(0);
    expect(verify.stdout).toContain('ledger ok');
  }, 60_000);
});
