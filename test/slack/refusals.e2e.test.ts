import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTION } from '../../src/app/ids.js';
import type { Account } from '../../src/services/accounts.js';
import { createAccount } from '../../src/services/accounts.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { ACME_CHANNEL, PEOPLE, type Person, seedPeople, slackUser } from '../support/people.js';
import { OWNER, type SlackHarness, slackApi, startSlack } from '../support/slack.js';

/**
 * SPEC §11: a refusal never tells an outsider which account names exist. Whoever may not read an account gets the
 * same answer for it as for a name (or id) that no account has: Globex exists, Nowhere does not.
 */
describeDatabases('refusals reveal no account', (t) => {
  let slack: SlackHarness;
  let globex: Account;
  beforeEach(async () => {
    slack = await startSlack(t.db);
    await seedPeople(t.db);
    globex = await createAccount(t.db, { name: 'Globex', planCode: 'standard', actor: OWNER });
    slackApi('views.publish', {}, 20);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const answer = async (person: Person, command: string, channelId = 'C0GENERAL') => {
    const res = await slack.command(command, { userId: PEOPLE[person], channelId });
    const raw = await res.text();
    return raw ? (JSON.parse(raw) as { text: string }).text : '';
  };

  /** Commands an outsider to Globex might try with `--account`: each role they lack, each they hold elsewhere. */
  const PROBES: Array<[Person, string]> = [
    ['nobody', 'status --account {}'],
    ['nobody', 'estimate 10 12 --account {}'],
    ['nobody', 'reload --account {}'],
    ['admin', 'status --account {}'],
    ['admin', 'history --account "{}"'],
    ['admin', 'estimate 10 12 --account={}'],
    ['admin', 'adjust +10 goodwill --account {}'],
    ['admin', 'account plan plus --account {}'],
  ];

  it.each(PROBES)(
    '%s: "/balance %s" answers alike for an account that exists and one that does not',
    async (person, template) => {
      const before = await tableCounts(t.db);
      const existing = await answer(person, template.replace('{}', 'globex'));
      const missing = await answer(person, template.replace('{}', 'nowhere'));
      expect(existing.replaceAll('globex', '<name>')).toBe(missing.replaceAll('nowhere', '<name>'));
      // Nor is the account's own spelling given away.
      expect(existing).not.toContain('Globex');
      await slack.settle();
      expect(await tableCounts(t.db)).toEqual(before);
    },
  );

  it('those who may read every account are told plainly that a name is unknown', async () => {
    expect(await answer('finance', 'status --account nowhere')).toContain(
      'There is no account named "nowhere".',
    );
    expect(await answer('finance', 'status --account globex')).toContain('Globex');
  });

  it("in an account's channel, a refusal does not name the account to someone who may not read it", async () => {
    const refused = await answer('nobody', 'status', ACME_CHANNEL);
    expect(refused).toBe(
      '`/balance status` needs an admin, finance or sales. Ask an owner if you should have access.',
    );
    // Its admins are still told which account they lack a role in.
    expect(await answer('admin', 'adjust +10 x', ACME_CHANNEL)).toBe(
      '`/balance adjust` needs finance. Ask an owner if you should have access.',
    );
    expect(await answer('sales', 'reload', ACME_CHANNEL)).toContain('needs an admin of Acme');
  });

  it.each([
    [ACTION.homeRedeem, 'redeem'],
    [ACTION.homeReload, 'reload'],
    [ACTION.alertReload, 'reload'],
  ])(
    'a %s button with an account id the user may not use answers as for an id no account has',
    async (actionId, command) => {
      const click = async (value: string) => {
        const refusals = slackApi('chat.postEphemeral');
        await slack.interaction({
          type: 'block_actions',
          user: slackUser('admin'),
          api_app_id: 'A1',
          trigger_id: 'trigger.probe',
          channel: { id: 'C0GENERAL' },
          actions: [{ type: 'button', action_id: actionId, block_id: 'b', value }],
        });
        await expect.poll(() => refusals.length).toBe(1);
        return (refusals[0] as { text: string }).text;
      };
      const existing = await click(String(globex.id));
      expect(existing).toBe(
        `\`/balance ${command}\` needs an admin. Ask an owner if you should have access.`,
      );
      expect(await click('987654321')).toBe(existing);
      expect(await click('not-an-id')).toBe(existing);
    },
  );
});
