import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeDatabases } from '../support/db.js';
import { type SlackHarness, sign, startSlack } from '../support/slack.js';

describeDatabases('/balance through the real HTTP receiver', (t) => {
  let slack: SlackHarness;
  beforeEach(async () => {
    slack = await startSlack(t.db);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  it('answers a signed /balance estimate 120 24 plus with $11,520.00 in the ack', async () => {
    const res = await slack.command('estimate 120 24 plus');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response_type: string; text: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('$11,520.00');
    expect(JSON.stringify(body.blocks)).toContain('$11,520.00');
  });

  it('refuses a forged signature and a 6-minute-old timestamp with 401', async () => {
    const body = new URLSearchParams({
      command: '/balance',
      text: 'account create Forged',
      user_id: 'UOWNER1',
    }).toString();
    const forged = await slack.post(body, undefined, sign(body, undefined, 'wrong-secret'));
    expect(forged.status).toBe(401);
    const stale = await slack.post(body, undefined, sign(body, Math.floor(Date.now() / 1000) - 6 * 60));
    expect(stale.status).toBe(401);
  });
});
