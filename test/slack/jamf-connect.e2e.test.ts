import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CALLBACK, JAMF_INPUT } from '../../src/app/ids.js';
import { deviceSyncJob } from '../../src/app/jobs.js';
import { autoReloadCharges, deviceReadings, jamfConnectors } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { configureAutoReload } from '../../src/services/autoreload.js';
import type { ConnectorDeps } from '../../src/services/connectors.js';
import { recordReading } from '../../src/services/devices.js';
import { createJamfProClient } from '../../src/services/jamf/client.js';
import { customerFor, storeCard } from '../../src/services/payments/cards.js';
import { sandboxCard } from '../../src/services/payments/sandbox.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { type FakeJamf, startFakeJamf } from '../support/fake-jamf.js';
import { fund } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack } from '../support/slack.js';

type View = { callback_id: string; private_metadata: string; blocks: Array<Record<string, unknown>> };
type Answer = { response_action?: string; errors?: Record<string, string> };
const SECRETS_KEY = 'e2e-secrets-key-0123456789abcdef0123456789';

describeDatabases('/balance devices connect and disconnect, through Slack', (t) => {
  let slack: SlackHarness;
  let fake: FakeJamf;
  let connectors: ConnectorDeps;
  let acme: Awaited<ReturnType<typeof seedPeople>>['acme'];
  let published: unknown[];

  beforeEach(async () => {
    fake = await startFakeJamf({
      fleet: { managedComputers: 118, unmanagedComputers: 4, managedMobileDevices: 40 },
    });
    connectors = {
      jamf: createJamfProClient({ sleep: async () => {}, timeoutMs: 5_000 }),
      secretsKey: SECRETS_KEY,
    };
    slack = await startSlack(t.db, { connectors });
    ({ acme } = await seedPeople(t.db)); // Acme is linked to #acme and run by ADMIN
    published = slackApi('views.publish', {}, 50);
  });
  afterEach(async () => {
    await slack.stop();
    await fake.close();
    // Whatever was typed and however it failed, the secret never reached a log line.
    expect(slack.logLines.join('\n')).not.toContain(fake.clientSecret);
    nock.cleanAll();
  });

  const ack = async (text: string, userId: string = PEOPLE.admin) =>
    ((await (await slack.command(text, { userId, channelId: ACME_CHANNEL })).json()) as { text: string })
      .text;
  const openForm = async (userId: string = PEOPLE.admin): Promise<View> => {
    const opened = slackApi('views.open');
    await slack.command('devices connect', { userId, channelId: ACME_CHANNEL });
    await expect.poll(() => opened.length).toBe(1);
    return (opened[0] as { view: View }).view;
  };
  const state = (values: { url?: string; client_id?: string; client_secret?: string }) => {
    const text = (id: string, value: string | undefined) => ({
      [id]: { [id]: { type: 'plain_text_input', value: value ?? null } },
    });
    return {
      values: {
        ...text(JAMF_INPUT.url, values.url),
        ...text(JAMF_INPUT.clientId, values.client_id),
        ...text(JAMF_INPUT.clientSecret, values.client_secret),
      },
    };
  };
  const good = () => ({ url: fake.url, client_id: fake.clientId, client_secret: fake.clientSecret });
  const submit = async (view: View, values: Parameters<typeof state>[0], userId: string = PEOPLE.admin) => {
    const res = await slack.submitView(userId, view, state(values), 'V0JAMF');
    const body = await res.text();
    return { status: res.status, answer: (res.ok && body ? JSON.parse(body) : {}) as Answer };
  };
  const connectors_ = () => t.db.select().from(jamfConnectors);

  it('the form has the contract ids, and a good submit answers with the counts and stores the secret sealed', async () => {
    const view = await openForm();
    expect(view.callback_id).toBe(CALLBACK.jamfConnect);
    const inputs = view.blocks.filter((b) => b.type === 'input');
    expect(inputs.map((b) => [b.block_id, (b.element as { action_id: string }).action_id])).toEqual([
      ['url', 'url'],
      ['client_id', 'client_id'],
      ['client_secret', 'client_secret'],
    ]);
    const ephemeral = slackApi('chat.postEphemeral');
    const { status, answer } = await submit(view, good());
    expect(status).toBe(200);
    expect(answer).toEqual({}); // the modal closes
    await expect.poll(() => ephemeral.length).toBe(1);
    expect(ephemeral[0]).toMatchObject({ channel: ACME_CHANNEL, user: PEOPLE.admin });
    expect((ephemeral[0] as { text: string }).text).toContain(
      `Connected to ${fake.url}: 118 computers + 40 mobile devices = 158 managed devices`,
    );
    const [row] = await connectors_();
    expect(row).toMatchObject({
      accountId: acme.id,
      url: fake.url,
      clientId: fake.clientId,
      createdBy: PEOPLE.admin,
    });
    expect(row!.clientSecretSealed).not.toContain(fake.clientSecret);
    const readings = await t.db.select().from(deviceReadings);
    expect(readings.map((r) => [r.count, r.source])).toEqual([[158, 'jamf']]);

    // Connecting again shows the instance and the client id, never the secret.
    const again = await openForm();
    expect(JSON.stringify(again)).toContain(fake.clientId);
    expect(JSON.stringify(again)).not.toContain(fake.clientSecret);
  });

  it.each([
    [
      'a URL with a user and password',
      { url: 'https://admin:pw@acme.jamfcloud.com' },
      'url',
      /user name or password/,
    ],
    ['a URL with a path', { url: 'https://acme.jamfcloud.com/JSSResource' }, 'url', /without a path/],
    ['plain http to another host', { url: 'http://acme.jamfcloud.com' }, 'url', /must use https/],
    [
      'a port out of range',
      { url: 'https://acme.jamfcloud.com:70000' },
      'url',
      /port must be a number from 1 to 65535/,
    ],
    ['a client id that is no UUID', { client_id: 'my-client' }, 'client_id', /UUID/],
    ['a client id of 10,000 characters', { client_id: 'a'.repeat(10_000) }, 'client_id', /UUID/],
    ['a short secret', { client_secret: 'abc' }, 'client_secret', /16–512 characters/],
    [
      'a secret with a space',
      { client_secret: 'abcdefgh ijklmnopqrstuvwxyz' },
      'client_secret',
      /without spaces/,
    ],
    [
      'a secret with a control character',
      { client_secret: 'abcdefghijklmnop\u0007' },
      'client_secret',
      /without spaces/,
    ],
  ])(
    '%s is refused on its field; Jamf Pro is not asked and nothing is written',
    async (_what, bad, field, message) => {
      const view = await openForm();
      const before = await tableCounts(t.db);
      const { answer } = await submit(view, { ...good(), ...bad });
      expect(answer.response_action).toBe('errors');
      expect(Object.keys(answer.errors!)).toEqual([field]);
      expect(answer.errors![field]).toMatch(message);
      expect(fake.requests).toEqual([]);
      expect(await tableCounts(t.db)).toEqual(before);
    },
  );

  it('a NUL byte in any field is refused at the door (400), before any form logic; nothing is written', async () => {
    const view = await openForm();
    const before = await tableCounts(t.db);
    for (const bad of [
      { url: 'https://acme\u0000.jamfcloud.com' },
      { client_secret: `${fake.clientSecret}\u0000` },
    ]) {
      expect((await submit(view, { ...good(), ...bad })).status).toBe(400);
    }
    expect(fake.requests).toEqual([]);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('an empty form gets an error on every field at once', async () => {
    const view = await openForm();
    const { answer } = await submit(view, {});
    expect(Object.keys(answer.errors ?? {}).sort()).toEqual(['client_id', 'client_secret', 'url']);
  });

  it('what Jamf Pro answers lands on the field it belongs to, writing nothing', async () => {
    const view = await openForm();
    const before = await tableCounts(t.db);
    const wrongSecret = await submit(view, { ...good(), client_secret: `${fake.clientSecret}x` });
    expect(wrongSecret.answer.errors).toEqual({
      client_secret: expect.stringMatching(/refused this client ID and secret/),
    });
    fake.fail('computers', { status: 403 });
    const noPrivilege = await submit(view, good());
    expect(noPrivilege.answer.errors).toEqual({ client_id: expect.stringMatching(/Read Computers/) });
    const nobody = await submit(view, { ...good(), url: 'http://127.0.0.1:9' });
    expect(nobody.answer.errors).toEqual({ url: expect.stringMatching(/Could not reach 127\.0\.0\.1:9/) });
    fake.expireTokens(); // the next count gets a 401, and the new token is not JSON
    fake.fail('token', { malformed: true });
    const notJamf = await submit(view, good());
    expect(notJamf.answer.errors).toEqual({ url: expect.stringMatching(/not JSON/) });
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('an instance that hangs is answered on the url field within Slack’s 3 seconds', async () => {
    const view = await openForm();
    fake.fail('token', { hang: true });
    const started = Date.now();
    const { answer } = await submit(view, good());
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(answer.errors).toEqual({ url: expect.stringMatching(/did not answer within 2.5 seconds/) });
    expect(await connectors_()).toEqual([]);
  });

  it('without SECRETS_KEY (PostgreSQL not configured for it) the secret field says so; Jamf Pro is not asked', async () => {
    connectors.secretsKey = undefined; // the harness's deps hold this object
    const view = await openForm();
    const before = await tableCounts(t.db);
    const { answer } = await submit(view, good());
    expect(answer.errors).toEqual({ client_secret: expect.stringMatching(/no SECRETS_KEY/) });
    expect(fake.requests).toEqual([]);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('only admins of the account: others get the role message, and a forged submit writes nothing', async () => {
    const view = await openForm();
    const opened = slackApi('views.open');
    expect(await ack('devices connect', PEOPLE.nobody)).toContain('needs an admin');
    expect(await ack('devices disconnect', PEOPLE.sales)).toContain('needs an admin');
    expect(opened).toEqual([]);
    const before = await tableCounts(t.db);
    const forged = await submit(view, good(), PEOPLE.nobody);
    expect(forged.answer.errors).toEqual({ url: expect.stringMatching(/needs an admin/) });
    expect(fake.requests).toEqual([]);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('devices, status and Home show the source and the last sync, a failing sync, and the disconnect', async () => {
    await recordReading(t.db, {
      accountId: acme.id,
      count: 100,
      at: new Date('2026-11-26T08:00:00Z'),
      by: PEOPLE.admin,
    });
    expect(await ack('devices')).toMatch(new RegExp(`Typed by <@${PEOPLE.admin}>`));
    expect(await ack('status')).toMatch(/Device count from[\s\S]*Typed by/);

    await submit(await openForm(), good());
    const host = new URL(fake.url).host;
    const devices = await ack('devices');
    expect(devices).toContain(`Jamf Pro (${host}), every hour — last sync 2026-11-26 10:00`);
    expect(devices).toContain(`158 devices — 2026-11-26 10:00, counted in Jamf Pro (${host})`);
    expect(await ack('status')).toContain(`Jamf Pro (${host}), every hour — last sync 2026-11-26 10:00`);
    await slack.settle();
    published.length = 0;
    await slack.event({ type: 'app_home_opened', user: PEOPLE.admin, tab: 'home' });
    await expect.poll(() => published.length).toBe(1);
    expect(JSON.stringify(published[0])).toContain(`Jamf Pro (${host}), every hour`);

    // Three failed syncs in a row: the state is shown where the count is.
    fake.expireTokens();
    fake.fail('token', { status: 401 }, 3);
    for (const hour of [11, 12, 13]) {
      slack.clock.set(`2026-11-26T${hour}:00:00Z`);
      await deviceSyncJob(slack.deps, connectors);
    }
    const failing = await ack('status');
    expect(failing).toMatch(
      /sync failing since 2026-11-26 11:00 \(3 tries in a row\): Jamf Pro at .* refused/,
    );
    expect(failing).toContain('Last sync 2026-11-26 10:00');

    // A count typed while connected is said to be replaced by the next sync.
    expect(await ack('devices 170')).toContain('the next sync replaces it');

    const disconnected = await ack('devices disconnect');
    expect(disconnected).toContain(`Disconnected Acme from Jamf Pro (${fake.url})`);
    expect(await connectors_()).toEqual([]);
    expect(await ack('devices disconnect')).toContain('Acme is not connected to Jamf Pro');
    expect(await ack('status')).toMatch(/Device count from[\s\S]*Typed by <@UADMIN1>/);
    expect((await t.db.select().from(deviceReadings)).map((r) => r.source)).toEqual([
      'manual',
      'jamf',
      'manual',
    ]);
  });

  it('a count from Jamf Pro moves the runway like a typed one: a sync that raises it charges the saved card (auto-reload)', async () => {
    await fund(t.db, acme.id, 40_000n); // $400.00
    const now = slack.clock.now();
    const customerId = await customerFor(t.db, slack.deps.payments, acme, now);
    const card = sandboxCard(customerId, 'succeeds', now);
    await storeCard(t.db, {
      accountId: acme.id,
      provider: 'sandbox',
      card,
      paymentId: 'pay_SAVEDCARD0000001',
      now,
    });
    await configureAutoReload(t.db, {
      accountId: acme.id,
      enabled: true,
      thresholdTenths: 10,
      amountCents: 60_000n,
      maxPerMonth: 2,
      by: PEOPLE.admin,
      now,
    });
    const charges = async () =>
      (await t.db.select().from(autoReloadCharges)).map((c) => [c.amountCents, c.state]);
    fake.fleet.managedComputers = 5;
    fake.fleet.managedMobileDevices = 0;
    await submit(await openForm(), good()); // 5 devices on plus: $20.00 a month, 20 months
    await slack.settle();
    expect(await charges()).toEqual([]);

    fake.fleet.managedComputers = 150; // $600.00 a month: two thirds of a month left, below the 1.0 threshold
    slack.clock.set('2026-11-26T11:00:00Z');
    await deviceSyncJob(slack.deps, connectors);
    await slack.settle();
    expect(await charges()).toEqual([[60_000n, 'succeeded']]);
    expect(await walletBalance(t.db, acme.id)).toBe(100_000n);
  });
});
