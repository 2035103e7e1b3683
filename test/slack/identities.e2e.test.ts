import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, CALLBACK, REDEEM_INPUT } from '../../src/app/ids.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import type { Account } from '../../src/services/accounts.js';
import { issueBalanceCodes } from '../../src/services/codes.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import {
  ACME_CHANNEL,
  OTHER_TEAM,
  PEOPLE,
  type Person,
  seedPeople,
  slackUser,
  TEAM,
} from '../support/people.js';
import { CODE_SECRET, OWNER, type SlackHarness, slackApi, startSlack, testConfig } from '../support/slack.js';

/**
 * SPEC §11: identities are (team id, user id) pairs. A signed request from another workspace that carries the user id
 * of an owner, finance, sales or an admin is a different person, with no role — on commands, actions, views and the
 * Home tab. Each attack runs beside the same request from the installed workspace, which must succeed, so the test
 * fails if the two are told apart by anything but the team.
 */
describeDatabases('identities are (team, user) pairs', (t) => {
  let slack: SlackHarness;
  let acme: Account;
  beforeEach(async () => {
    slack = await startSlack(t.db);
    ({ acme } = await seedPeople(t.db));
    slackApi('views.publish', {}, 50);
    slackApi('chat.postMessage', { ts: '1.5', channel: ACME_CHANNEL }, 50);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const text = async (res: Response) => {
    const raw = await res.text();
    return raw ? (JSON.parse(raw) as { text: string }).text : '';
  };
  const REFUSED = /needs (an owner|finance|sales|an admin)/;

  /** A privileged command per role, run in Acme's channel. */
  const COMMANDS: Array<[Person, string]> = [
    ['owner', 'account create Evil Corp'],
    ['owner', 'roles grant <@UMALLORY1|mallory> finance'],
    ['finance', 'adjust +500 goodwill'],
    ['sales', 'codes issue 100'],
    ['admin', 'status'],
    ['admin', 'devices 5'],
  ];

  it.each(COMMANDS)(
    "a command with %s's user id from another workspace is refused and writes nothing: /balance %s",
    async (who, command) => {
      const before = await tableCounts(t.db);
      const attack = await slack.command(command, {
        userId: PEOPLE[who],
        teamId: OTHER_TEAM,
        channelId: ACME_CHANNEL,
      });
      expect(await text(attack)).toMatch(REFUSED);
      await slack.settle();
      expect(await tableCounts(t.db)).toEqual(before);

      const genuine = await slack.command(command, { userId: PEOPLE[who], channelId: ACME_CHANNEL });
      expect(await text(genuine)).not.toMatch(REFUSED);
      await slack.settle();
    },
  );

  it("help from another workspace lists only what anyone may run, whoever's user id it carries", async () => {
    const help = await text(await slack.command('help', { userId: OWNER, teamId: OTHER_TEAM }));
    expect(help).toContain('/balance estimate');
    expect(help).not.toContain('/balance account create');
    expect(help).not.toContain('/balance status');
    expect(await text(await slack.command('help', { userId: OWNER }))).toContain('/balance account create');
  });

  describe('actions', () => {
    const homeRedeem = (user: Record<string, unknown>, team?: Record<string, unknown>) =>
      slack.interaction({
        type: 'block_actions',
        user,
        ...(team ? { team } : {}),
        api_app_id: 'A1',
        trigger_id: 'trigger.home',
        channel: { id: ACME_CHANNEL },
        actions: [{ type: 'button', action_id: ACTION.homeRedeem, block_id: 'h', value: String(acme.id) }],
      });

    it.each([
      ["the user's own team (user.team_id)", slackUser('admin', OTHER_TEAM), { id: TEAM }],
      ['the payload’s team when the user carries none', { id: PEOPLE.admin }, { id: OTHER_TEAM }],
      ['no team at all', { id: PEOPLE.admin }, undefined],
    ])(
      "Redeem on the Home tab with the admin's user id and %s opens nothing and is refused",
      async (_how, user, team) => {
        const opened = slackApi('views.open');
        const refusals = slackApi('chat.postEphemeral');
        await homeRedeem(user, team);
        await expect.poll(() => refusals.length).toBe(1);
        // The account is not named to the outsider either.
        expect((refusals[0] as { text: string }).text).toBe(
          '`/balance redeem` needs an admin. Ask an owner if you should have access.',
        );
        expect(opened).toHaveLength(0);

        await homeRedeem(slackUser('admin'), { id: TEAM });
        await expect.poll(() => opened.length).toBe(1);
        expect((opened[0] as { view: { callback_id: string } }).view.callback_id).toBe(CALLBACK.redeem);
      },
    );

    it("Share as quote with sales's user id from another workspace stores and posts no quote", async () => {
      const share = (user: Record<string, unknown>) =>
        slack.interaction({
          type: 'block_actions',
          user,
          team: { id: TEAM },
          api_app_id: 'A1',
          trigger_id: 'trigger.share',
          channel: { id: 'C0SALES' },
          container: { type: 'message', channel_id: 'C0SALES', message_ts: '1.1' },
          actions: [
            {
              type: 'button',
              action_id: ACTION.shareAsQuote,
              block_id: 'e',
              value: JSON.stringify({ devices: 10, months: 12, plan: 'plus' }),
            },
          ],
        });
      const refusals = slackApi('chat.postEphemeral');
      const before = await tableCounts(t.db);
      await share(slackUser('sales', OTHER_TEAM));
      await expect.poll(() => refusals.length).toBe(1);
      expect((refusals[0] as { text: string }).text).toMatch(/needs sales/);
      await slack.settle();
      expect(await tableCounts(t.db)).toEqual(before);

      await share(slackUser('sales'));
      await expect.poll(async () => (await tableCounts(t.db)).quotes).toBe(1);
    });
  });

  describe('views', () => {
    it("a Redeem modal submitted with the admin's user id from another workspace redeems nothing", async () => {
      const [issued] = await issueBalanceCodes(t.db, {
        amountCents: 50_000n,
        currency: 'USD',
        count: 1,
        requestId: 'trigger.identities',
        actor: PEOPLE.sales,
        now: slack.clock.now(),
        secret: CODE_SECRET,
      });
      const submit = (user: Record<string, unknown>) =>
        slack.interaction({
          type: 'view_submission',
          user,
          team: { id: TEAM },
          api_app_id: 'A1',
          view: {
            id: 'VREDEEM1',
            type: 'modal',
            callback_id: CALLBACK.redeem,
            private_metadata: JSON.stringify({ c: ACME_CHANNEL, a: acme.id }),
            blocks: [],
            state: {
              values: {
                [REDEEM_INPUT]: { [REDEEM_INPUT]: { type: 'plain_text_input', value: issued!.code } },
              },
            },
          },
        });
      const before = await tableCounts(t.db);
      const attack = (await (await submit(slackUser('admin', OTHER_TEAM))).json()) as {
        response_action: string;
        errors: Record<string, string>;
      };
      expect(attack).toEqual({
        response_action: 'errors',
        errors: { [REDEEM_INPUT]: '/balance redeem needs an admin. Ask an owner if you should have access.' },
      });
      expect(await tableCounts(t.db)).toEqual(before);
      expect(await walletBalance(t.db, acme.id)).toBe(0n);

      slackApi('chat.postEphemeral');
      expect(await (await submit(slackUser('admin'))).text()).toBe('');
      expect(await walletBalance(t.db, acme.id)).toBe(50_000n);
    });

    it("a Reload modal submitted with the admin's user id from another workspace starts no payment", async () => {
      const submit = (user: Record<string, unknown>) =>
        slack.interaction({
          type: 'view_submission',
          user,
          api_app_id: 'A1',
          view: {
            id: 'VRELOAD1',
            type: 'modal',
            callback_id: CALLBACK.reload,
            private_metadata: JSON.stringify({ c: ACME_CHANNEL, a: acme.id }),
            blocks: [],
            state: { values: {} },
          },
        });
      const before = await tableCounts(t.db);
      const attack = (await (await submit(slackUser('admin', OTHER_TEAM))).json()) as {
        errors: Record<string, string>;
      };
      expect(Object.values(attack.errors)).toEqual(['Only an admin of the account can reload it.']);
      expect(await tableCounts(t.db)).toEqual(before);
      // The genuine admin gets past the role check to the form's own errors.
      const genuine = (await (await submit(slackUser('admin'))).json()) as { errors: Record<string, string> };
      expect(Object.values(genuine.errors)).not.toContain('Only an admin of the account can reload it.');
    });
  });

  it("the Home tab opened with the admin's user id from another workspace shows none of Acme", async () => {
    nock.cleanAll();
    const fresh = slackApi('views.publish', {}, 2);
    await slack.event(
      { type: 'app_home_opened', user: PEOPLE.admin, channel: 'D1', tab: 'home' },
      OTHER_TEAM,
    );
    await expect.poll(() => fresh.length).toBe(1);
    expect(JSON.stringify(fresh[0])).not.toContain('Acme');
    await slack.event({ type: 'app_home_opened', user: PEOPLE.admin, channel: 'D1', tab: 'home' });
    await expect.poll(() => fresh.length).toBe(2);
    expect(JSON.stringify(fresh[1])).toContain('Acme');
  });

  it('roles are granted to a pair: a Slack Connect user holds a role only with their own team', async () => {
    const granted = await text(
      await slack.command(`roles grant ${OTHER_TEAM}:UEXT1 sales`, {
        userId: OWNER,
        channelId: ACME_CHANNEL,
      }),
    );
    expect(granted).toBe(`Granted sales to <@UEXT1> (of workspace ${OTHER_TEAM}).`);
    expect(
      await text(await slack.command('codes list', { userId: 'UEXT1', teamId: OTHER_TEAM })),
    ).not.toMatch(REFUSED);
    expect(await text(await slack.command('codes list', { userId: 'UEXT1' }))).toMatch(REFUSED);
    // A mention names a user of the installed workspace.
    await slack.command('roles grant <@UEXT1|ext> finance', { userId: OWNER });
    expect(await text(await slack.command('adjust +1 x', { userId: 'UEXT1', teamId: OTHER_TEAM }))).toMatch(
      REFUSED,
    );
    expect(
      await text(await slack.command('adjust +1 x', { userId: 'UEXT1', channelId: ACME_CHANNEL })),
    ).not.toMatch(REFUSED);
  });
});

describeDatabases('owners from BALANCE_OWNERS', (t) => {
  let slack: SlackHarness;
  beforeEach(async () => {
    slack = await startSlack(t.db, {
      config: testConfig({ BALANCE_OWNERS: `${OWNER}, ${OTHER_TEAM}:UGUEST1` }),
    });
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  it('a bare user id is an owner of the installed workspace only; a T…:U… pair names its own workspace', async () => {
    const create = async (name: string, as: { userId: string; teamId?: string }) => {
      const res = await slack.command(`account create ${name}`, as);
      return ((await res.json()) as { text: string }).text;
    };
    expect(await create('One', { userId: OWNER })).toContain('Created One');
    expect(await create('Two', { userId: OWNER, teamId: OTHER_TEAM })).toMatch(/needs an owner/);
    expect(await create('Three', { userId: 'UGUEST1', teamId: OTHER_TEAM })).toContain('Created Three');
    expect(await create('Four', { userId: 'UGUEST1' })).toMatch(/needs an owner/);
  });
});
