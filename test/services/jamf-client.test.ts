import { createServer } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import type { JamfCredentials } from '../../src/domain/jamf.js';
import { createJamfProClient, retryAfterMs } from '../../src/services/jamf/client.js';
import { withDeadline } from '../../src/services/jamf/deadline.js';
import { JamfError, type JamfPro } from '../../src/services/jamf/port.js';
import { type FakeJamf, startFakeJamf } from '../support/fake-jamf.js';

const START = '2026-11-02T10:00:00Z';

describe('Jamf Pro client against a local fake Jamf Pro', () => {
  let fake: FakeJamf;
  let clock: ReturnType<typeof fixedClock>;
  let waits: number[];
  let jamf: JamfPro;
  let credentials: JamfCredentials;

  const failure = async (work: Promise<unknown>): Promise<JamfError> => {
    try {
      await work;
    } catch (err) {
      if (!(err instanceof JamfError)) throw err;
      // Whatever went wrong, the message shown never carries the secret or a token.
      expect(err.message).not.toContain(fake.clientSecret);
      expect(err.message).not.toMatch(/eyJ/);
      return err;
    }
    throw new Error('the call succeeded');
  };
  const statuses = (endpoint: 'token' | 'computers' | 'mobile') => fake.calls(endpoint).map((r) => r.status);

  beforeEach(async () => {
    clock = fixedClock(START);
    fake = await startFakeJamf({
      fleet: {
        managedComputers: 118,
        unmanagedComputers: 7,
        managedMobileDevices: 40,
        unmanagedMobileDevices: 3,
      },
      now: () => clock.now().getTime(),
    });
    credentials = { url: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret };
    waits = [];
    jamf = createJamfProClient({
      clock,
      sleep: async (ms) => {
        waits.push(ms);
      },
      timeoutMs: 300,
    });
  });
  afterEach(() => fake.close());

  it('counts managed computers and managed mobile devices with the documented requests', async () => {
    expect(await jamf.managedCounts(credentials)).toEqual({ computers: 118, mobileDevices: 40 });
    const [token, computers, mobile] = fake.requests;
    expect(token).toMatchObject({
      endpoint: 'token',
      method: 'POST',
      form: { grant_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret },
      status: 200,
    });
    expect(computers).toMatchObject({
      endpoint: 'computers',
      method: 'GET',
      query: {
        section: 'GENERAL',
        page: '0',
        'page-size': '1',
        filter: 'general.remoteManagement.managed==true',
      },
      status: 200,
    });
    expect(computers!.authorization).toMatch(/^Bearer eyJ/);
    expect(mobile).toMatchObject({
      endpoint: 'mobile',
      path: '/api/v2/mobile-devices/detail',
      query: { section: 'GENERAL', page: '0', 'page-size': '1', filter: 'managed==true' },
      status: 200,
    });
    expect(fake.requests).toHaveLength(3);
  });

  it('keeps the token until just before it expires, then fetches a new one', async () => {
    await jamf.managedCounts(credentials);
    clock.advance(538_000); // 599 s less the 60 s margin, less a second
    await jamf.managedCounts(credentials);
    expect(fake.calls('token')).toHaveLength(1);
    clock.advance(2_000);
    await jamf.managedCounts(credentials);
    expect(fake.calls('token')).toHaveLength(2);
    // Renewed ahead of the expiry: Jamf Pro never had to refuse a stale token.
    expect([...statuses('computers'), ...statuses('mobile')]).not.toContain(401);
  });

  it('renews a short-lived token at half its life', async () => {
    fake.tokenSeconds = 20;
    await jamf.managedCounts(credentials);
    clock.advance(9_000);
    await jamf.managedCounts(credentials);
    clock.advance(2_000);
    await jamf.managedCounts(credentials);
    expect(fake.calls('token')).toHaveLength(2);
  });

  it('a token refused once (401) is replaced and the request tried again', async () => {
    await jamf.managedCounts(credentials);
    fake.expireTokens();
    expect(await jamf.managedCounts(credentials)).toEqual({ computers: 118, mobileDevices: 40 });
    expect(statuses('token')).toEqual([200, 200]);
    expect(statuses('computers')).toEqual([200, 401, 200]);
    expect(statuses('mobile')).toEqual([200, 200]);
  });

  it('a 401 twice in a row is the credentials: the client secret field', async () => {
    fake.fail('computers', { status: 401 }, 2);
    const err = await failure(jamf.managedCounts(credentials));
    expect(err.kind).toBe('credentials');
    expect(err.field).toBe('client_secret');
    expect(statuses('token')).toEqual([200, 200]);
    expect(statuses('computers')).toEqual([401, 401]);
    expect(fake.calls('mobile')).toHaveLength(0);
  });

  it('a refused client id and secret is the client secret field, and nothing else is asked', async () => {
    const err = await failure(jamf.managedCounts({ ...credentials, clientSecret: `${fake.clientSecret}x` }));
    expect(err).toMatchObject({ kind: 'credentials', field: 'client_secret' });
    expect(statuses('token')).toEqual([401]);
    expect(fake.requests).toHaveLength(1);
  });

  it('a token made for another secret is not reused', async () => {
    await jamf.managedCounts(credentials);
    await failure(jamf.managedCounts({ ...credentials, clientSecret: 'another-secret-0123456789' }));
    expect(statuses('token')).toEqual([200, 401]);
  });

  it('waits out a 429 for as long as Retry-After asks, in seconds or as a date', async () => {
    fake.fail('computers', { status: 429, retryAfter: '7' });
    fake.fail('mobile', { status: 429, retryAfter: new Date(clock.now().getTime() + 5_000).toUTCString() });
    expect(await jamf.managedCounts(credentials)).toEqual({ computers: 118, mobileDevices: 40 });
    expect(waits).toEqual([7_000, 5_000]);
    expect(statuses('computers')).toEqual([429, 200]);
    expect(fake.calls('token')).toHaveLength(1);
  });

  it('gives up on 429 after three tries, and at once when Retry-After is beyond reason', async () => {
    fake.fail('token', { status: 429 }, 3);
    const err = await failure(jamf.managedCounts(credentials));
    expect(err).toMatchObject({ kind: 'rate_limited', field: 'url' });
    expect(waits).toEqual([1_000, 2_000]);

    waits.length = 0;
    fake.fail('computers', { status: 429, retryAfter: '3600' });
    const late = await failure(jamf.managedCounts(credentials));
    expect(late.message).toMatch(/3600 seconds/);
    expect(waits).toEqual([]);
  });

  it('backs off on 5xx (1 s, 2 s) and succeeds when the server recovers', async () => {
    fake.fail('computers', { status: 500 });
    fake.fail('mobile', { status: 503 }, 2);
    expect(await jamf.managedCounts(credentials)).toEqual({ computers: 118, mobileDevices: 40 });
    expect(waits).toEqual([1_000, 1_000, 2_000]);
    expect(statuses('mobile')).toEqual([503, 503, 200]);
  });

  it('reports a server that keeps failing as the url field', async () => {
    fake.fail('computers', { status: 502 }, 3);
    const err = await failure(jamf.managedCounts(credentials));
    expect(err).toMatchObject({ kind: 'server_error', field: 'url' });
    expect(err.message).toMatch(/502, 3 times/);
    expect(fake.calls('computers')).toHaveLength(3);
  });

  it('a request that hangs past the timeout fails as a timeout, not retried', async () => {
    fake.fail('computers', { hang: true });
    const err = await failure(jamf.managedCounts(credentials));
    expect(err).toMatchObject({ kind: 'timeout', field: 'url' });
    expect(fake.calls('computers')).toHaveLength(1);
  });

  it('malformed JSON, on the token or a count, is not a Jamf Pro API', async () => {
    fake.fail('computers', { malformed: true });
    expect(await failure(jamf.managedCounts(credentials))).toMatchObject({ kind: 'not_jamf', field: 'url' });
    fake.fail('token', { malformed: true });
    const err = await failure(jamf.managedCounts({ ...credentials, clientSecret: `${fake.clientSecret}2` }));
    expect(err.message).toMatch(/not JSON/);
  });

  it('an answer over 1 MB is refused', async () => {
    fake.fail('mobile', { oversized: true });
    expect(await failure(jamf.managedCounts(credentials))).toMatchObject({ kind: 'not_jamf' });
  });

  it('a missing privilege (403) is the client id field', async () => {
    fake.fail('mobile', { status: 403 });
    const err = await failure(jamf.managedCounts(credentials));
    expect(err).toMatchObject({ kind: 'privileges', field: 'client_id' });
    expect(err.message).toMatch(/Read Mobile Devices/);
  });

  it('never follows a redirect: the secret is not sent elsewhere', async () => {
    const elsewhere = await startFakeJamf();
    try {
      fake.fail('token', { redirect: `${elsewhere.url}/api/oauth/token` });
      const err = await failure(jamf.managedCounts(credentials));
      expect(err).toMatchObject({ kind: 'not_jamf', field: 'url' });
      expect(err.message).toMatch(/redirect/);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('a web server that is not Jamf Pro, and a port nobody listens on, are the url field', async () => {
    const site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome</body></html>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const port = (site.address() as { port: number }).port;
    const notJamf = await failure(jamf.managedCounts({ ...credentials, url: `http://127.0.0.1:${port}` }));
    expect(notJamf).toMatchObject({ kind: 'not_jamf', field: 'url' });
    await new Promise<void>((resolve) => site.close(() => resolve()));
    const unreachable = await failure(
      jamf.managedCounts({ ...credentials, url: `http://127.0.0.1:${port}` }),
    );
    expect(unreachable).toMatchObject({ kind: 'unreachable', field: 'url' });
    expect(unreachable.message).toMatch(/refused/);
  });
});

describe('Jamf Pro within a deadline (the connect form)', () => {
  it('answers in time, or fails on the url field when the whole count takes longer, however each request does', async () => {
    const fake = await startFakeJamf({ fleet: { managedComputers: 3, managedMobileDevices: 2 } });
    try {
      const credentials = { url: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret };
      const jamf = withDeadline(createJamfProClient({ timeoutMs: 5_000 }), 400);
      expect(await jamf.managedCounts(credentials)).toEqual({ computers: 3, mobileDevices: 2 });
      fake.delayMs = 250; // each request in time, the two counts (the token is kept) together not
      const started = Date.now();
      const err = await jamf.managedCounts(credentials).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JamfError);
      expect(err).toMatchObject({
        kind: 'timeout',
        field: 'url',
        message: expect.stringMatching(/0.4 seconds/),
      });
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await fake.close();
    }
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2026-11-02T10:00:00Z');
  it.each([
    [null, undefined],
    ['', undefined],
    ['0', 0],
    ['12', 12_000],
    ['Mon, 02 Nov 2026 10:00:30 GMT', 30_000],
    ['Mon, 02 Nov 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
  ])('%j → %j', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});
