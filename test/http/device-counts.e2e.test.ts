import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { apiTokens, deviceReadings } from '../../src/db/schema.js';
import { openAppDatabase } from '../../src/main.js';
import { authenticateApiToken, createApiToken } from '../../src/services/api-tokens.js';
import { runCli } from '../support/cli.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { PEOPLE, seedPeople } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack } from '../support/slack.js';

describeDatabases('POST /api/device-counts', (t) => {
  let slack: SlackHarness;
  let acme: Awaited<ReturnType<typeof seedPeople>>['acme'];
  let token: string;
  let tokenId: number;
  let published: unknown[];
  beforeEach(async () => {
    slack = await startSlack(t.db); // the clock stands at 2026-11-26T10:00:00Z
    ({ acme } = await seedPeople(t.db));
    ({ token, id: tokenId } = await createApiToken(t.db, {
      name: 'mdm',
      actor: 'cli',
      now: new Date('2026-11-01T00:00:00Z'),
    }));
    published = slackApi('views.publish', {}, 20);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const post = (
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${token}` },
    contentType = 'application/json',
  ) =>
    fetch(`${slack.url}/api/device-counts`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const readings = () => t.db.select().from(deviceReadings).where(eq(deviceReadings.accountId, acme.id));
  const lastUsed = async () =>
    (await t.db.select().from(apiTokens).where(eq(apiTokens.id, tokenId)))[0]!.lastUsedAt;

  it('records a reading at the given time, answers 201 and refreshes the Home tabs', async () => {
    const res = await post({ account: 'acme', count: 120, at: '2026-11-20T09:30:00+01:00' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: number };
    expect(body).toEqual({ account: 'Acme', count: 120, at: '2026-11-20T08:30:00.000Z', id: body.id });
    const rows = await readings();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: body.id,
      count: 120,
      effectiveAt: new Date('2026-11-20T08:30:00Z'),
      recordedBy: 'api:mdm',
      source: 'api',
    });
    expect(await lastUsed()).toEqual(new Date('2026-11-26T10:00:00Z'));
    // The account's admin sees the new count on their Home tab.
    await expect.poll(() => published.map((p) => (p as { user_id: string }).user_id)).toContain(PEOPLE.admin);
  });

  it('defaults `at` to now, accepts 0 devices and a time up to 5 minutes ahead', async () => {
    const now = await post({ account: 'Acme', count: 0 });
    expect(now.status).toBe(201);
    expect(await now.json()).toMatchObject({ account: 'Acme', count: 0, at: '2026-11-26T10:00:00.000Z' });
    const ahead = await post({ account: 'Acme', count: 1_000_000, at: '2026-11-26T10:05:00Z' });
    expect(ahead.status).toBe(201);
    expect((await readings()).map((r) => [r.count, r.effectiveAt.toISOString()])).toEqual([
      [0, '2026-11-26T10:00:00.000Z'],
      [1_000_000, '2026-11-26T10:05:00.000Z'],
    ]);
  });

  const unauthorized: Array<[string, () => Record<string, string>]> = [
    ['no Authorization header', () => ({})],
    ['a wrong token', () => ({ authorization: `Bearer bal_tok_${'0'.repeat(32)}` })],
    [
      'the Basic scheme',
      () => ({ authorization: `Basic ${Buffer.from(`mdm:${token}`).toString('base64')}` }),
    ],
    ['the token without a scheme', () => ({ authorization: token })],
  ];
  for (const [what, headers] of unauthorized) {
    it(`answers 401 with WWW-Authenticate: Bearer to ${what} and writes nothing`, async () => {
      const before = await tableCounts(t.db);
      const res = await post({ account: 'Acme', count: 120 }, headers());
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: string };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).not.toContain(token);
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }

  const refused: Array<[string, unknown, RegExp, string?]> = [
    ['bad JSON', '{"account": "Acme", "count": 12', /not valid JSON/],
    ['a JSON array', '[1]', /JSON object/],
    ['an unknown account', { account: 'Nobody Inc', count: 120 }, /^unknown account$/],
    ['an empty account', { account: '  ', count: 120 }, /^account /],
    ['an account name over 80 characters', { account: 'A'.repeat(81), count: 1 }, /^account /],
    ['a negative count', { account: 'Acme', count: -1 }, /^count /],
    ['a count as a string', { account: 'Acme', count: '120' }, /^count /],
    ['a fractional count', { account: 'Acme', count: 12.5 }, /^count /],
    ['a huge count', { account: 'Acme', count: 1_000_001 }, /^count /],
    ['a count beyond doubles', '{"account": "Acme", "count": 1e400}', /^count /],
    ['a missing count', { account: 'Acme' }, /^count /],
    ['a future at', { account: 'Acme', count: 120, at: '2026-11-26T10:05:01Z' }, /^at .*future/],
    ['an at without an offset', { account: 'Acme', count: 120, at: '2026-11-26T09:00:00' }, /^at /],
    ['an at that is no date', { account: 'Acme', count: 120, at: '2026-02-30T09:00:00Z' }, /^at /],
    ['an at that is a number', { account: 'Acme', count: 120, at: 1_764_150_000_000 }, /^at /],
    [
      'an at in year 0000',
      { account: 'Acme', count: 120, at: '0000-01-01T00:00:00Z' },
      /^at must not be before 2000-01-01$/,
    ],
    [
      'an at in 1900',
      { account: 'Acme', count: 120, at: '1900-06-01T00:00:00Z' },
      /^at must not be before 2000-01-01$/,
    ],
    ['a NUL in the account', { account: 'Acme\u0000', count: 1 }, /^account .*control characters/],
    ['an unknown field', { account: 'Acme', count: 120, devices: 3 }, /unknown field "devices"/],
    [
      'a form post',
      'account=Acme&count=120',
      /Content-Type: application\/json/,
      'application/x-www-form-urlencoded',
    ],
    ['text/plain JSON', { account: 'Acme', count: 120 }, /Content-Type: application\/json/, 'text/plain'],
  ];
  for (const [what, body, error, contentType] of refused) {
    it(`answers 400 to ${what} and writes nothing`, async () => {
      const before = await tableCounts(t.db);
      const res = await post(body, undefined, contentType);
      expect(res.status).toBe(400);
      const reply = (await res.json()) as { error: string };
      expect(reply.error).toMatch(error);
      expect(await tableCounts(t.db)).toEqual(before);
      expect(await lastUsed()).toBeNull(); // a refused request does not even mark the token used
    });
  }

  it('answers 413 to a body over 10 KB and writes nothing', async () => {
    const before = await tableCounts(t.db);
    const res = await post({ account: 'Acme', count: 1, pad: 'x'.repeat(11_000) });
    expect(res.status).toBe(413);
    expect(await tableCounts(t.db)).toEqual(before);
  });
});

describe('balance api-tokens create', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'balance-tokens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a token once that then authenticates; a taken name fails with exit 1', async () => {
    const env = { DATABASE_URL: `pglite://${join(dir, 'pglite')}` };
    const made = await runCli(['api-tokens', 'create', 'MDM sync'], env);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const printed = made.stdout.match(/bal_tok_[0-9A-HJKMNP-TV-Z]{32}/g);
    expect(printed).toHaveLength(1);
    expect(made.stdout).toMatch(/shown only once/);

    const again = await runCli(['api-tokens', 'create', 'MDM sync'], env);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('An API token named "MDM sync" already exists.');

    const usage = await runCli(['api-tokens', 'create'], env);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain('usage: balance api-tokens create <name>');

    const database = await openAppDatabase(loadConfig(env));
    try {
      const now = new Date();
      expect(await authenticateApiToken(database.db, printed![0]!, now)).toMatchObject({ name: 'MDM sync' });
      expect(await database.db.select({ hash: apiTokens.tokenHash }).from(apiTokens)).toHaveLength(1);
    } finally {
      await database.close();
    }
  }, 60_000);
});
