import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTION, CUSTOM_MONTHS, RELOAD_INPUT } from '../../src/app/ids.js';
import { codeBatches, codes, payments, quotes, transfers } from '../../src/db/schema.js';
import { addAdmins, createAccount, linkChannel } from '../../src/services/accounts.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { ACME_CHANNEL, PEOPLE, seedPeople, TEAM } from '../support/people.js';
import {
  fileUploads,
  OWNER,
  responseUrl,
  type SlackHarness,
  slackApi,
  startSlack,
} from '../support/slack.js';

const CODE = /BAL-(?:[0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]/g;
const LIMIT = /over the limit: amounts go up to \$10,000,000\.00/;
type Ack = { text: string };
type View = { callback_id: string; private_metadata: string };

/** The Reload modal in devices mode; months other than 12, 24 and 36 are typed as custom. */
const devicesState = (devices: string, months: string) => {
  const listed = ['12', '24', '36'].includes(months);
  return {
    values: {
      [RELOAD_INPUT.mode]: {
        [RELOAD_INPUT.mode]: { type: 'radio_buttons', selected_option: { value: 'devices' } },
      },
      [RELOAD_INPUT.devices]: { [RELOAD_INPUT.devices]: { type: 'number_input', value: devices } },
      [RELOAD_INPUT.months]: {
        [RELOAD_INPUT.months]: {
          type: 'static_select',
          selected_option: { value: listed ? months : CUSTOM_MONTHS },
        },
      },
      ...(listed
        ? {}
        : {
            [RELOAD_INPUT.customMonths]: {
              [RELOAD_INPUT.customMonths]: { type: 'number_input', value: months },
            },
          }),
    },
  };
};

describeDatabases('limits and replays on every path to money, through Slack', (t) => {
  let slack: SlackHarness;
  let acme: Awaited<ReturnType<typeof seedPeople>>['acme'];
  beforeEach(async () => {
    slack = await startSlack(t.db);
    ({ acme } = await seedPeople(t.db)); // Acme is on plus, linked to #acme, run by ADMIN
    slackApi('views.publish', {}, 20);
  });
  afterEach(async () => {
    await slack.stop();
    expect(slack.logLines.join('\n')).not.toMatch(CODE);
    nock.cleanAll();
  });

  const ack = async (text: string, as: Parameters<SlackHarness['command']>[1]) =>
    ((await (await slack.command(text, as)).json()) as Ack).text;
  const sales = (triggerId?: string) => ({ userId: PEOPLE.sales, channelId: 'C0SALES', triggerId });
  const finance = (triggerId?: string) => ({ userId: PEOPLE.finance, channelId: ACME_CHANNEL, triggerId });
  const press = (userId: string, actionId: string, value: string, triggerId: string) =>
    slack.interaction({
      type: 'block_actions',
      user: { id: userId, team_id: TEAM },
      api_app_id: 'A1',
      trigger_id: triggerId,
      channel: { id: 'C0SALES' },
      container: { type: 'message', channel_id: 'C0SALES', message_ts: '1764150000.000300' },
      response_url: 'http://slack.test/respond/1',
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', value }],
    });
  /** A button click by `userId` whose private answer arrives on the response_url. */
  const click = async (userId: string, actionId: string, value: string, triggerId = 'trigger.click') => {
    const answered = responseUrl();
    await press(userId, actionId, value, triggerId);
    await expect.poll(() => answered.length).toBe(1);
    return (answered[0] as Ack).text;
  };
  const openReload = async (userId: string, channelId: string) => {
    const opened = slackApi('views.open');
    await slack.command('reload', { userId, channelId });
    await expect.poll(() => opened.length).toBe(1);
    return (opened[0] as { view: View }).view;
  };
  const submitReload = async (userId: string, view: View, state: unknown, viewId: string) =>
    (await (await slack.submitView(userId, view, state, viewId)).json()) as {
      response_action: string;
      errors?: Record<string, string>;
    };

  it('quote 1000000 120 plus is refused privately, naming the limit; nothing is written or posted', async () => {
    const posts = slackApi('chat.postMessage', { ts: '1.1', channel: 'C0SALES' }, 5);
    const before = await tableCounts(t.db);
    const text = await ack('quote 1000000 120 plus', sales());
    expect(text).toContain('A quote of 1,000,000 devices × 120 months on Plus ($480,000,000.00)');
    expect(text).toMatch(LIMIT);
    expect(await tableCounts(t.db)).toEqual(before);
    expect(posts).toEqual([]);
  });

  it('Share as quote of 1,000,000 devices × 120 months is refused privately; nothing is written', async () => {
    const before = await tableCounts(t.db);
    const text = await click(
      PEOPLE.sales,
      ACTION.shareAsQuote,
      JSON.stringify({ devices: 1_000_000, months: 120, plan: 'plus' }),
    );
    expect(text).toMatch(LIMIT);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('Issue code for a quote over the limit (made before limits held) is refused; no code is issued', async () => {
    const [quote] = await t.db
      .insert(quotes)
      .values({
        number: 'Q-2026-0001',
        devices: 1_000_000,
        months: 120,
        planCode: 'plus',
        unitPriceCents: 400n,
        totalCents: 48_000_000_000n,
        createdBy: PEOPLE.sales,
        createdAt: slack.clock.now(),
        validUntil: new Date(slack.clock.now().getTime() + 86_400_000),
      })
      .returning();
    const before = await tableCounts(t.db);
    const text = await click(PEOPLE.sales, ACTION.issueCodeForQuote, String(quote!.id));
    expect(text).toMatch(/A balance code \(\$480,000,000\.00\) is over the limit/);
    expect(text).not.toMatch(CODE);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('the Reload modal at 1,000,000 devices × 120 months shows the limit on the devices field; no payment', async () => {
    const view = await openReload(PEOPLE.admin, ACME_CHANNEL);
    const before = await tableCounts(t.db);
    const body = await submitReload(PEOPLE.admin, view, devicesState('1000000', '120'), 'VBIG');
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors!)).toEqual([RELOAD_INPUT.devices]);
    expect(body.errors![RELOAD_INPUT.devices]).toMatch(LIMIT);
    expect(body.errors![RELOAD_INPUT.devices]).toContain('1,000,000 devices × 120 months on Plus');
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('reload 1000000 120 answers privately with the limit instead of opening a modal that cannot be paid', async () => {
    const opened = slackApi('views.open');
    const before = await tableCounts(t.db);
    const text = await ack('reload 1000000 120', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    expect(text).toContain('A reload of 1,000,000 devices × 120 months on Plus ($480,000,000.00)');
    expect(text).toMatch(LIMIT);
    expect(opened).toEqual([]);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('a replayed codes issue 25 x11 mints nothing and sends no second file; the ack says they were shown once', async () => {
    const { opened, uploads } = fileUploads();
    expect(await ack('codes issue 25 x11', sales('trigger.x11'))).toContain('in your DM with Balance');
    const before = await tableCounts(t.db);
    const replay = await ack('codes issue 25 x11', sales('trigger.x11'));
    expect(replay).toContain('The 11 codes of $25.00 for this request were already issued and shown once');
    expect(replay).not.toMatch(CODE);
    expect(await tableCounts(t.db)).toEqual(before);
    expect(opened).toHaveLength(1);
    expect(uploads.join('').match(CODE)).toHaveLength(11);
    expect(await t.db.select().from(codes)).toHaveLength(11);
  });

  it('a replayed codes issue 25 x3 shows no code again; the same trigger with other arguments is refused', async () => {
    expect((await ack('codes issue 25 x3', sales('trigger.x3'))).match(CODE)).toHaveLength(3);
    const before = await tableCounts(t.db);
    const replay = await ack('codes issue 25 x3', sales('trigger.x3'));
    expect(replay).toContain('already issued and shown once');
    expect(replay).not.toMatch(CODE);
    const conflict = await ack('codes issue 30 x3', sales('trigger.x3'));
    expect(conflict).toContain('This request was already used to issue other codes. Nothing was issued.');
    expect(conflict).not.toMatch(CODE);
    expect(await tableCounts(t.db)).toEqual(before);
    expect(await t.db.select().from(codeBatches)).toHaveLength(1);
  });

  it('a replayed quote posts nothing new; the same trigger for another quote is refused', async () => {
    const posts = slackApi('chat.postMessage', { ts: '1.1', channel: 'C0SALES' }, 5);
    await slack.command('quote 120 24 plus for Globex', sales('trigger.quote'));
    await expect.poll(() => posts.length).toBe(1);
    const before = await tableCounts(t.db);
    expect(await ack('quote 120 24 plus for Globex', sales('trigger.quote'))).toContain(
      'This request already made quote Q-2026-0001. Nothing new was made.',
    );
    expect(await ack('quote 121 24 plus', sales('trigger.quote'))).toContain(
      'This request was already used for another quote.',
    );
    await slack.settle();
    expect(posts).toHaveLength(1);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('a replayed Issue-code click shows no code; its trigger on another quote is refused', async () => {
    slackApi('chat.postMessage', { ts: '1.1', channel: 'C0SALES' }, 10);
    const ephemeral = slackApi('chat.postEphemeral', {}, 5);
    await slack.command('quote 120 24 plus', sales());
    await slack.command('quote 10 12 plus', sales());
    const [first, second] = await t.db.select().from(quotes).orderBy(quotes.id);
    await press(PEOPLE.sales, ACTION.issueCodeForQuote, String(first!.id), 'trigger.issue');
    await expect.poll(() => ephemeral.length).toBe(1);
    expect((ephemeral[0] as Ack).text).toMatch(CODE);
    const before = await tableCounts(t.db);
    const replay = await click(PEOPLE.sales, ACTION.issueCodeForQuote, String(first!.id), 'trigger.issue');
    expect(replay).toContain('already issued');
    expect(replay).not.toMatch(CODE);
    const conflict = await click(PEOPLE.sales, ACTION.issueCodeForQuote, String(second!.id), 'trigger.issue');
    expect(conflict).toContain('This request was already used to issue other codes.');
    expect(await tableCounts(t.db)).toEqual(before);
    expect(ephemeral).toHaveLength(1);
  });

  it('a replayed adjust posts once and says so; the same trigger with another amount is refused', async () => {
    expect(await ack('adjust +100 goodwill', finance('trigger.adjust'))).toContain(
      'Added $100.00 to Acme (goodwill).',
    );
    const before = await tableCounts(t.db);
    expect(await ack('adjust +100 goodwill', finance('trigger.adjust'))).toContain(
      'This adjustment was already posted for this request.',
    );
    expect(await ack('adjust +200 goodwill', finance('trigger.adjust'))).toContain(
      'This request was already used for another adjustment.',
    );
    expect(await tableCounts(t.db)).toEqual(before);
    expect(await t.db.select().from(transfers)).toHaveLength(1);
  });

  it('a reload submitted with another user’s view id is refused on its field and shows nothing of that payment', async () => {
    const globex = await createAccount(t.db, { name: 'Globex', planCode: 'standard', actor: OWNER });
    await addAdmins(t.db, globex.id, [{ teamId: TEAM, userId: 'UGLOBEX1' }], OWNER);
    await linkChannel(t.db, 'C0GLOBEX', globex.id, OWNER);
    const mine = await submitReload(
      PEOPLE.admin,
      await openReload(PEOPLE.admin, ACME_CHANNEL),
      devicesState('120', '24'),
      'VRELOAD1',
    );
    expect(mine.response_action).toBe('update');
    const [payment] = await t.db.select().from(payments);
    expect(payment).toMatchObject({ accountId: acme.id, requestedBy: PEOPLE.admin });

    const before = await tableCounts(t.db);
    const theirs = await submitReload(
      'UGLOBEX1',
      await openReload('UGLOBEX1', 'C0GLOBEX'),
      devicesState('120', '24'),
      'VRELOAD1',
    );
    expect(theirs.response_action).toBe('errors');
    expect(theirs.errors![RELOAD_INPUT.devices]).toContain(
      'This Reload form was already used for another payment.',
    );
    expect(JSON.stringify(theirs)).not.toContain(payment!.id);
    expect(JSON.stringify(theirs)).not.toContain('$11,520.00');
    expect(await tableCounts(t.db)).toEqual(before);
  });
});
