import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deviceSyncJob } from '../../src/app/jobs.js';
import { outboxMessage } from '../../src/app/outbox-messages.js';
import { formatOf } from '../../src/app/view-mappers.js';
import { fixedClock } from '../../src/clock.js';
import { queryRows } from '../../src/db/client.js';
import { alertStates, deviceReadings, jamfConnectors, jobLeases, outbox } from '../../src/db/schema.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { type Account, linkChannel } from '../../src/services/accounts.js';
import {
  type ConnectorDeps,
  connectJamf,
  DEVICE_SYNC_LEASE,
  deviceSource,
  disconnectJamf,
  jamfConnection,
  MissingSecretsKeyError,
  syncDevices,
} from '../../src/services/connectors.js';
import { recordReading } from '../../src/services/devices.js';
import { createJamfProClient } from '../../src/services/jamf/client.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { renderMessage } from '../../src/slack/render/message.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { type FakeJamf, startFakeJamf } from '../support/fake-jamf.js';
import { makeAccount } from '../support/fixtures.js';
import { CODE_SECRET, testConfig, testDocuments } from '../support/slack.js';

const KEY = 'test-secrets-key-0123456789abcdef0123456789';
const TZ = 'UTC';
const hour = (h: number, minute = 0) => new Date(Date.UTC(2026, 10, 2, h, minute));

describeDatabases('Jamf Pro connections and the device sync', (t) => {
  let fake: FakeJamf;
  let connectors: ConnectorDeps;
  let account: Account;

  beforeEach(async () => {
    fake = await startFakeJamf({
      fleet: {
        managedComputers: 118,
        unmanagedComputers: 9,
        managedMobileDevices: 40,
        unmanagedMobileDevices: 1,
      },
    });
    connectors = { jamf: createJamfProClient({ sleep: async () => {}, timeoutMs: 2_000 }), secretsKey: KEY };
    account = await makeAccount(t.db);
    await linkChannel(t.db, 'C0ACME', account.id, 'U1'); // the billing channel
  });
  afterEach(() => fake.close());

  const values = (overrides: Record<string, string> = {}) => ({
    url: fake.url,
    client_id: fake.clientId,
    client_secret: fake.clientSecret,
    ...overrides,
  });
  const connect = (overrides: Record<string, string> = {}, deps = connectors, now = hour(9)) =>
    connectJamf(t.db, deps, {
      accountId: account.id,
      values: values(overrides),
      actor: 'U1',
      now,
      timeZone: TZ,
    });
  const sync = (now: Date, deps = connectors) => syncDevices(t.db, deps, { now, timeZone: TZ });
  const readings = () =>
    t.db
      .select({ count: deviceReadings.count, source: deviceReadings.source, by: deviceReadings.recordedBy })
      .from(deviceReadings)
      .orderBy(deviceReadings.id);
  const connector = async () =>
    (await t.db.select().from(jamfConnectors).where(eq(jamfConnectors.accountId, account.id)))[0];
  const notices = async () =>
    (await t.db.select().from(outbox).orderBy(outbox.id))
      .filter((m) => String((m.payload as { type: string }).type).startsWith('device_sync'))
      .map((m) => ({ channel: m.channelId, ...(m.payload as { type: string }) }));

  it('connect checks the credentials with a token and one count, then stores the connection sealed', async () => {
    const result = await connect();
    expect(result).toMatchObject({
      ok: true,
      url: fake.url,
      counts: { computers: 118, mobileDevices: 40 },
      total: 158,
    });
    expect(fake.calls('token')).toHaveLength(1);
    const row = await connector();
    expect(row).toMatchObject({
      url: fake.url,
      clientId: fake.clientId,
      createdBy: 'U1',
      lastSyncAt: hour(9),
      lastComputers: 118,
      lastMobileDevices: 40,
      consecutiveFailures: 0,
      lastError: null,
    });
    expect(row!.clientSecretSealed).toMatch(/^v1:/);
    expect(row!.clientSecretSealed).not.toContain(fake.clientSecret);
    expect(await readings()).toEqual([{ count: 158, source: 'jamf', by: `jamf:${new URL(fake.url).host}` }]);
    const shown = await jamfConnection(t.db, account.id);
    expect(shown).toMatchObject({ url: fake.url, lastComputers: 118 });
    expect(JSON.stringify(shown)).not.toContain('v1:');
  });

  it('a new count runs the balance check, as a typed count does', async () => {
    await connect(); // no money, 158 devices: the balance is empty
    expect(await t.db.select({ state: alertStates.state }).from(alertStates)).toEqual([{ state: 'empty' }]);
    const [alert] = await t.db.select().from(outbox);
    expect(alert).toMatchObject({ channelId: 'C0ACME', payload: { type: 'low_balance', state: 'empty' } });
  });

  it.each([
    [{ url: 'http://acme.jamfcloud.com' }, 'url'],
    [{ url: 'https://admin:pw@acme.jamfcloud.com' }, 'url'],
    [{ url: 'https://acme.jamfcloud.com/api' }, 'url'],
    [{ client_id: 'not-a-uuid' }, 'client_id'],
    [{ client_secret: 'short' }, 'client_secret'],
    [{ client_secret: 'secret\u0000with-a-nul-byte-in-it' }, 'client_secret'],
  ])('refuses %o on its field, asking Jamf Pro nothing and writing nothing', async (bad, field) => {
    const before = await tableCounts(t.db);
    const result = await connect(bad);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors)).toEqual([field]);
    expect(fake.requests).toEqual([]);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('answers a wrong secret on client_secret and an unreachable instance on url, writing nothing', async () => {
    const before = await tableCounts(t.db);
    const wrong = await connect({ client_secret: `${fake.clientSecret}x` });
    expect(wrong).toMatchObject({ ok: false, errors: { client_secret: expect.stringMatching(/refused/) } });
    fake.fail('mobile', { status: 403 });
    const forbidden = await connect();
    expect(forbidden).toMatchObject({
      ok: false,
      errors: { client_id: expect.stringMatching(/Read Mobile/) },
    });
    const gone = await connect({ url: 'http://127.0.0.1:9' });
    expect(gone).toMatchObject({
      ok: false,
      errors: { url: expect.stringMatching(/^Could not reach .*\. Try again in a moment\.$/) },
    });
    // What is to fix is not worth trying again as it is.
    expect(wrong.ok || wrong.errors.client_secret).not.toMatch(/Try again/);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('refuses to store a connection without SECRETS_KEY, naming the variable, before asking Jamf Pro', async () => {
    const before = await tableCounts(t.db);
    await expect(connect({}, { ...connectors, secretsKey: undefined })).rejects.toThrow(
      MissingSecretsKeyError,
    );
    await expect(connect({}, { ...connectors, secretsKey: undefined })).rejects.toThrow(/SECRETS_KEY/);
    expect(fake.requests).toEqual([]);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('connecting again replaces the connection; disconnect removes it and keeps the readings', async () => {
    await connect();
    fake.fleet.managedComputers = 120;
    await connect({}, connectors, hour(10));
    expect(await t.db.select().from(jamfConnectors)).toHaveLength(1);
    expect((await readings()).map((r) => r.count)).toEqual([158, 160]);
    expect(await disconnectJamf(t.db, account.id)).toBe(true);
    expect(await connector()).toBeUndefined();
    expect(await disconnectJamf(t.db, account.id)).toBe(false);
    expect((await readings()).map((r) => r.count)).toEqual([158, 160]);
    // Nothing left to sync.
    expect(await sync(hour(11))).toMatchObject({ kind: 'done', synced: 0 });
  });

  it('the sync records a reading only when the count changed, and the last sync time always', async () => {
    await connect();
    const unchanged = await sync(hour(10));
    expect(unchanged).toMatchObject({ kind: 'done', synced: 1, failures: [], changed: [] });
    expect(await connector()).toMatchObject({ lastSyncAt: hour(10), lastAttemptAt: hour(10) });
    fake.fleet.managedMobileDevices = 45;
    fake.fleet.unmanagedComputers = 30; // unmanaged devices are not billed
    const changed = await sync(hour(11));
    expect(changed).toMatchObject({ synced: 1, changed: [account.id] });
    expect(await readings()).toEqual([
      { count: 158, source: 'jamf', by: expect.stringMatching(/^jamf:/) },
      { count: 163, source: 'jamf', by: expect.stringMatching(/^jamf:/) },
    ]);
    expect(await connector()).toMatchObject({ lastSyncAt: hour(11), lastMobileDevices: 45 });
  });

  it('a count typed by hand meanwhile is replaced by the next sync', async () => {
    await connect();
    await recordReading(t.db, { accountId: account.id, count: 200, at: hour(9, 30), by: 'U1' });
    await sync(hour(10));
    expect((await readings()).map((r) => [r.count, r.source])).toEqual([
      [158, 'jamf'],
      [200, 'manual'],
      [158, 'jamf'],
    ]);
  });

  it('three failed syncs in a row post one message to the billing channel; recovery posts another', async () => {
    await connect();
    fake.expireTokens();
    fake.fail('token', { status: 401 }, 4);
    for (const h of [10, 11, 12, 13]) await sync(hour(h));
    const failing = await connector();
    expect(failing).toMatchObject({ consecutiveFailures: 4, failingSince: hour(10), lastSyncAt: hour(9) });
    expect(failing!.lastError).toMatch(/refused this client ID and secret/);
    expect(await notices()).toEqual([
      {
        channel: 'C0ACME',
        type: 'device_sync_failing',
        accountId: account.id,
        since: hour(10).toISOString(),
        reason: failing!.lastError,
      },
    ]);
    await sync(hour(14)); // Jamf Pro takes the secret again
    await sync(hour(15));
    expect(await connector()).toMatchObject({ consecutiveFailures: 0, failingSince: null, lastError: null });
    expect((await notices()).map((n) => n.type)).toEqual(['device_sync_failing', 'device_sync_recovered']);

    const format = formatOf({ config: testConfig() });
    const texts = [];
    for (const row of await t.db.select().from(outbox).orderBy(outbox.id)) {
      if (!String((row.payload as { type: string }).type).startsWith('device_sync')) continue;
      const out = await outboxMessage(t.db, format, row, testDocuments(t.db));
      texts.push(out.kind === 'message' ? renderMessage(out.message).text : '');
    }
    expect(texts[0]).toContain('Device sync with Jamf Pro failing since 2026-11-02 10:00: Jamf Pro at');
    expect(texts[1]).toMatch(/works again \(failing since 2026-11-02 10:00\): 158 devices managed/);
  });

  it('the device source says who recorded the count in effect and how the sync is doing', async () => {
    const source = (now: Date) => deviceSource(t.db, account.id, now);
    expect(await source(hour(8))).toEqual({ reading: null, jamf: null });
    await recordReading(t.db, { accountId: account.id, count: 120, at: hour(8), by: 'U1' });
    expect(await source(hour(8, 30))).toEqual({
      reading: { count: 120, source: 'manual', by: 'U1', at: hour(8) },
      jamf: null,
    });
    await connect();
    const host = new URL(fake.url).host;
    expect(await source(hour(9))).toEqual({
      reading: { count: 158, source: 'jamf', by: `jamf:${host}`, at: hour(9) },
      jamf: { url: fake.url, lastSyncAt: hour(9), failing: null },
    });
    fake.fail('mobile', { status: 403 }, 2);
    await sync(hour(10));
    await sync(hour(11));
    expect((await source(hour(11))).jamf).toEqual({
      url: fake.url,
      lastSyncAt: hour(9),
      failing: { since: hour(10), failures: 2, reason: expect.stringMatching(/Read Mobile Devices/) },
    });
    await sync(hour(12));
    expect((await source(hour(12))).jamf).toEqual({ url: fake.url, lastSyncAt: hour(12), failing: null });
    await disconnectJamf(t.db, account.id);
    expect(await source(hour(13))).toEqual({
      reading: { count: 158, source: 'jamf', by: `jamf:${host}`, at: hour(9) }, // the readings stay
      jamf: null,
    });
  });

  it('two runs in the same minute count each account once, and a failure once', async () => {
    await connect();
    fake.requests.length = 0;
    fake.fail('computers', { status: 500 }, 100);
    const first = await sync(hour(10, 0));
    const twin = await sync(new Date(hour(10, 0).getTime() + 20_000));
    expect(first).toMatchObject({
      failures: [
        {
          accountId: account.id,
          reason: expect.stringMatching(/500, 3 times in a row\. The next sync tries again\.$/),
        },
      ],
    });
    expect(twin).toMatchObject({ kind: 'done', synced: 0, failures: [], skipped: 1 });
    expect(fake.calls('computers')).toHaveLength(3); // three tries, one run
    expect(await connector()).toMatchObject({ consecutiveFailures: 1 });
  });

  it('another process holding the lease makes the run busy, touching nothing', async () => {
    await connect();
    await t.db.insert(jobLeases).values({
      name: DEVICE_SYNC_LEASE,
      holder: 'other',
      expiresAt: new Date(Date.now() + 60_000),
    });
    fake.requests.length = 0;
    expect(await sync(hour(10))).toEqual({ kind: 'busy' });
    expect(fake.requests).toEqual([]);
  });

  it('a secret sealed under another key is a failure to fix, and Jamf Pro is not asked', async () => {
    await connect();
    fake.requests.length = 0;
    const result = await sync(hour(10), { ...connectors, secretsKey: `${KEY}-rotated` });
    expect(result).toMatchObject({
      failures: [{ reason: expect.stringMatching(/cannot be read.*connect again/) }],
    });
    expect(fake.requests).toEqual([]);
    await expect(sync(hour(11), { ...connectors, secretsKey: undefined })).rejects.toThrow(/SECRETS_KEY/);
  });

  it('a connection removed while its count was in flight gets no reading', async () => {
    await connect();
    fake.fleet.managedComputers = 500;
    const racing: ConnectorDeps = {
      ...connectors,
      jamf: {
        managedCounts: async (credentials) => {
          const counts = await connectors.jamf.managedCounts(credentials);
          await disconnectJamf(t.db, account.id);
          return counts;
        },
      },
    };
    expect(await sync(hour(10), racing)).toMatchObject({ synced: 1, changed: [] });
    expect((await readings()).map((r) => r.count)).toEqual([158]);
  });

  it('the client secret is never in clear in the database nor in the logs', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
    const deps = createDeps({
      config: testConfig({ LOG_LEVEL: 'debug' }),
      db: t.db,
      logger,
      codeSecret: CODE_SECRET,
      payments: sandboxProvider(() => 'http://localhost', t.db),
      door: { publishHome: async () => {}, sendFile: async () => 'nowhere' },
      sender: undefined,
    });
    /** Every row of every table as text, like a dump, taken after each step (a later step may overwrite one). */
    const dumps: string[] = [];
    const dump = async () => {
      const tables = await queryRows<{ tablename: string }>(
        t.db,
        sql`select tablename from pg_tables where schemaname = 'public'`,
      );
      for (const { tablename } of tables) {
        const rows = await queryRows<{ row: string }>(
          t.db,
          sql.raw(`select t::text as row from "${tablename}" t`),
        );
        dumps.push(...rows.map((r) => r.row));
      }
    };
    const jobAt = async (h: number) => {
      deps.clock = fixedClock(hour(h));
      await deviceSyncJob(deps, connectors);
      await dump();
    };
    await connect();
    await dump();
    await jobAt(10);
    // Failures are logged and stored with their reason: none of them may carry the secret.
    fake.fail('computers', { status: 401 }, 2);
    await jobAt(11);
    fake.fail('token', { malformed: true });
    fake.expireTokens();
    await jobAt(12);
    fake.fail('token', { status: 500 }, 3);
    await jobAt(13);
    expect(lines.filter((l) => l.includes('"level":"warn"') && l.includes('failed'))).toHaveLength(3);
    expect(dumps.join('\n')).toContain(fake.clientId); // the dump is real
    expect(dumps.join('\n')).not.toContain(fake.clientSecret);
    expect(lines.join('\n')).not.toContain(fake.clientSecret);
  });
});
