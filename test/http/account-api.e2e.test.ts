import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAccount } from '../../src/services/accounts.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import { reviewSuspensions } from '../../src/services/collections.js';
import { recordReading } from '../../src/services/devices.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { fund, owe } from '../support/fixtures.js';
import { type SlackHarness, startSlack } from '../support/slack.js';

// The harness's clock stands at 2026-11-26T10:00:00Z.
const NOW = new Date('2026-11-26T10:00:00Z');

describeDatabases('GET /api/accounts/<name>', (t) => {
  let slack: SlackHarness;
  let token: string;
  beforeEach(async () => {
    slack = await startSlack(t.db);
    ({ token } = await createApiToken(t.db, { name: 'mdm', actor: 'cli', now: NOW }));
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
    fetch(`${slack.url}${path}`, { headers });

  /** "Acme Inc": 120 devices on Plus ($480.00 a month), $1,000.00 on the wallet. */
  const acme = async () => {
    const account = await createAccount(t.db, { name: 'Acme Inc', planCode: 'plus', actor: 'U1' });
    await recordReading(t.db, {
      accountId: account.id,
      count: 120,
      at: new Date('2026-11-02T00:00:00Z'),
      by: 'U1',
    });
    await fund(t.db, account.id, 100_000n);
    return account;
  };

  it('answers the JSON of §14 for an active account, by its name in any case, amounts as decimal strings', async () => {
    await acme();
    const res = await get('/api/accounts/acme%20INC');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      account: 'Acme Inc',
      plan: 'plus',
      currency: 'USD',
      balance: '1000.00',
      devices: 120,
      monthly_cost: '480.00',
      runway_months: '2.0',
      outstanding: '0.00',
      state: 'active',
      suspended_since: null,
    });
  });

  it('says suspended, since when and what is outstanding once an invoice is overdue', async () => {
    const account = await acme();
    await owe(t.db, account.id, 19_050n, {
      month: '2026-10',
      issueDate: '2026-11-01',
      dueDate: '2026-11-08',
    });
    await owe(t.db, account.id, 1_000n, { month: '2026-11', issueDate: '2026-11-25', dueDate: '2026-12-02' });
    await reviewSuspensions(t.db, { now: new Date('2026-11-09T09:00:00Z'), timeZone: 'UTC' });
    const res = await get('/api/accounts/Acme%20Inc');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      balance: '1000.00',
      outstanding: '200.50',
      state: 'suspended',
      suspended_since: '2026-11-09T09:00:00.000Z',
    });
  });

  it('an account without devices has no monthly cost and no runway', async () => {
    await createAccount(t.db, { name: 'Empty', planCode: 'standard', actor: 'U1' });
    expect(await (await get('/api/accounts/Empty')).json()).toMatchObject({
      devices: null,
      monthly_cost: '0.00',
      runway_months: null,
    });
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
    it(`answers 401 to ${what}, the same for a known and an unknown account, and writes nothing`, async () => {
      await acme();
      const before = await tableCounts(t.db);
      const known = await get('/api/accounts/Acme%20Inc', headers());
      const unknown = await get('/api/accounts/Nobody', headers());
      for (const res of [known, unknown]) {
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      }
      const [a, b] = [await known.json(), await unknown.json()];
      expect(a).toEqual(b);
      expect(JSON.stringify(a)).not.toContain('Acme');
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }

  it('answers an unknown account exactly as a path that does not exist: 404, nothing about the name', async () => {
    await acme();
    const unknown = await get('/api/accounts/Acme%20Incorporated');
    const nowhere = await get('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not found' });
    expect(await nowhere.json()).toEqual({ error: 'not found' });
  });

  const hostile: Array<[string, string]> = [
    ['a NUL byte', '/api/accounts/Acme%00Inc'],
    ['a right-to-left override', '/api/accounts/Acme%E2%80%AEInc'],
    ['a name over 80 characters', `/api/accounts/${'A'.repeat(81)}`],
    ['only spaces', '/api/accounts/%20%20'],
    ['a line break', '/api/accounts/Acme%0AInc'],
  ];
  for (const [what, path] of hostile) {
    it(`answers 400 to ${what} in the name, without echoing it, and reads nothing`, async () => {
      await acme();
      const before = await tableCounts(t.db);
      const res = await get(path);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string };
      expect(body.error).toMatch(/^name: An account name is 1–80 characters of plain text/);
      expect(body.error).not.toContain('Acme');
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }

  it('answers 400 to a name that is not UTF-8, and 404 to an empty or nested name', async () => {
    expect((await get('/api/accounts/%FF%FE')).status).toBe(400);
    expect((await get('/api/accounts/')).status).toBe(404);
    expect((await get('/api/accounts/Acme/more')).status).toBe(404);
  });

  it('answers 405 to a POST, with Allow: GET', async () => {
    const res = await fetch(`${slack.url}/api/accounts/Acme`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
