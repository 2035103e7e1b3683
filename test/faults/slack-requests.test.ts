import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDatabases, tableCounts } from '../support/db.js';
import { OWNER, type SlackHarness, sign, slashCommand, startSlack, testConfig } from '../support/slack.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';

const now = () => Math.floor(Date.now() / 1000);

/**
 * POSTs on a connection of its own, closed afterwards: a server that refuses a big body before reading it all (413)
 * may reset the connection, which must not break the requests that follow on a shared keep-alive socket.
 */
function postAlone(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', reject); // after a response has resolved the promise, a reset while still writing is ignored
    req.end(body);
  });
}

describeDatabases('requests to /slack/events that did not come from Slack', (t) => {
  let slack: SlackHarness;
  let api: FakeSlack;
  beforeAll(async () => {
    api = await startFakeSlack();
    slack = await startSlack(t.db, { config: testConfig({ SLACK_API_URL: api.apiUrl }) });
  });
  afterAll(async () => {
    await slack.stop();
    await api.close();
  });

  /** A slash command that writes when it runs: an owner creating an account. */
  const command = (text = 'account create Forged Co', padding = '') =>
    slashCommand({ text, response_url: `${api.baseUrl}/respond/1`, ...(padding ? { padding } : {}) });
  const post = (
    body: string,
    headers: Record<string, string>,
    contentType = 'application/x-www-form-urlencoded',
  ) =>
    fetch(`${slack.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, ...headers },
    });
  let before: Record<string, number>;
  beforeEach(async () => {
    before = await tableCounts(t.db);
  });
  const nothingWritten = async () => {
    await slack.settle();
    expect(await tableCounts(t.db)).toEqual(before);
  };

  // The control: the same request, signed by Slack's secret just now, is taken and writes — so each refusal below is
  // the check's doing, not a broken request.
  it('a genuine signed command is taken (200) and writes the account', async () => {
    const body = command('account create Genuine Co');
    const res = await post(body, sign(body));
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('Genuine Co');
    await slack.settle();
    expect((await tableCounts(t.db)).accounts).toBe(before.accounts! + 1);
  });

  // Proves: the v0 signature is checked with our signing secret.
  it('a signature made with another secret gets 401 and writes nothing', async () => {
    const body = command();
    const res = await post(body, sign(body, now(), 'not-our-signing-secret-0123456789'));
    expect(res.status).toBe(401);
    await nothingWritten();
  });

  // Proves: no signature headers at all is refused.
  it('a request without signature headers gets 401 and writes nothing', async () => {
    const res = await post(command(), {});
    expect(res.status).toBe(401);
    await nothingWritten();
  });

  // Proves: requests older than 5 minutes are refused even when correctly signed (replay window).
  it('a correctly signed request stamped 6 minutes ago gets 401 and writes nothing', async () => {
    const body = command();
    const res = await post(body, sign(body, now() - 6 * 60));
    expect(res.status).toBe(401);
    await nothingWritten();
  });

  // Proves: the timestamp is part of what is signed — an old captured request cannot be refreshed.
  it('a captured body replayed with a new timestamp but its old signature gets 401 and writes nothing', async () => {
    const body = command();
    const captured = sign(body, now() - 10 * 60);
    const res = await post(body, { ...captured, 'x-slack-request-timestamp': String(now()) });
    expect(res.status).toBe(401);
    await nothingWritten();
  });

  // Proves: only a whole v0 signature is compared — a prefix of the right one, another version's or one in capitals
  // is not (a compare of unequal lengths would throw or match a prefix).
  it.each([
    ['a prefix of the right signature', (s: string) => s.slice(0, 40)],
    ['the right hash under version v1', (s: string) => s.replace('v0=', 'v1=')],
    ['the right hash in capitals', (s: string) => `v0=${s.slice(3).toUpperCase()}`],
  ])('%s gets 401 and writes nothing', async (_what, tamper) => {
    const body = command();
    const signed = sign(body);
    const res = await post(body, { ...signed, 'x-slack-signature': tamper(signed['x-slack-signature']!) });
    expect(res.status).toBe(401);
    await nothingWritten();
  });

  // Proves: a body over 1 MB is refused before anything runs, unsigned or signed.
  it('a forged body over 1 MB gets 4xx and writes nothing', async () => {
    const body = command('account create Big Co', 'x'.repeat(1_100_000));
    const status = await postAlone(
      `${slack.url}/slack/events`,
      body,
      sign(body, now(), 'not-our-signing-secret-0123456789'),
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    await nothingWritten();
  });
  it('a correctly signed body over 1 MB gets 413 and writes nothing', async () => {
    const body = command('account create Big Co', 'x'.repeat(1_100_000));
    expect(await postAlone(`${slack.url}/slack/events`, body, sign(body))).toBe(413);
    await nothingWritten();
  });

  // Proves: only the content types Slack sends are parsed: a signed form body sent as text/plain is not run.
  it('a signed command sent as text/plain gets 4xx and writes nothing', async () => {
    const body = command();
    const res = await post(body, sign(body), 'text/plain');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await nothingWritten();
  });

  // Proves: Bolt refuses only old stamps; one more than 60 s ahead of our clock is refused too, nothing done.
  it('a correctly signed request stamped 2 minutes ahead gets 401 and writes nothing; 30 s ahead is taken', async () => {
    const body = command('account create Future Co');
    expect((await post(body, sign(body, now() + 120))).status).toBe(401);
    await nothingWritten();
    const close = command('account create Skewed Co');
    expect((await post(close, sign(close, now() + 30))).status).toBe(200);
    await slack.settle();
    expect((await tableCounts(t.db)).accounts).toBe(before.accounts! + 1);
  });

  const interaction = (payload: unknown) =>
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const MALFORMED: Array<[string, () => string, string?]> = [
    ['payload=null', () => 'payload=null'],
    ['payload=[]', () => 'payload=%5B%5D'],
    ['payload garbage', () => 'payload=%7Bnot'],
    [
      'an action without a user',
      () => interaction({ type: 'block_actions', actions: [{ action_id: 'a', block_id: 'b' }] }),
    ],
    ['a view submission without a view', () => interaction({ type: 'view_submission', user: { id: OWNER } })],
    [
      'a command whose user id holds NUL',
      () => command('help').replace(`user_id=${OWNER}`, `user_id=${OWNER}%00`),
    ],
    ['a command without a user id', () => command('help').replace(`user_id=${OWNER}&`, '')],
    ['JSON null', () => 'null', 'application/json'],
    ['a JSON string', () => '"x"', 'application/json'],
    [
      'an event that is null',
      () => '{"type":"event_callback","team_id":"T1","event":null}',
      'application/json',
    ],
  ];
  // Proves: a signed body that is not one of Slack's shapes is refused before Bolt reads it (Bolt dereferences
  // `body.ssl_check` of a JSON null, outside any catch: the process ended).
  it.each(MALFORMED)('a signed body with %s gets 400 and writes nothing', async (_what, make, type) => {
    const body = make();
    const res = await post(body, sign(body), type);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBeTruthy();
    await nothingWritten();
  });
});
