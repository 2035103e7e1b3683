import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTION, CALLBACK, REDEEM_INPUT } from '../../src/app/ids.js';
import { generateCode } from '../../src/domain/code-format.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { importLicensePacks, listCodes } from '../../src/services/codes.js';
import { describeDatabases } from '../support/db.js';
import { ACME_CHANNEL, PEOPLE, seedPeople, slackUser } from '../support/people.js';
import {
  CODE_SECRET,
  fileUploads,
  responseUrl,
  type SlackHarness,
  slackApi,
  startSlack,
} from '../support/slack.js';

const CODE = /BAL-(?:[0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]/g;
type Ack = { text: string; blocks: unknown[] };

describeDatabases('codes through Slack', (t) => {
  let slack: SlackHarness;
  beforeEach(async () => {
    slack = await startSlack(t.db);
    await seedPeople(t.db);
    slackApi('views.publish', {}, 20);
    slackApi('chat.postMessage', { ts: '1.5', channel: ACME_CHANNEL }, 20);
  });
  afterEach(async () => {
    await slack.stop();
    // No log line ever holds a full code.
    expect(slack.logLines.join('\n')).not.toMatch(CODE);
    nock.cleanAll();
  });

  const issueOne = async (amount: string) => {
    const ack = (await (
      await slack.command(`codes issue ${amount} welcome pack`, { userId: PEOPLE.sales })
    ).json()) as Ack;
    const [code] = ack.text.match(CODE) ?? [];
    expect(code).toBeDefined();
    return code!;
  };

  it('sales issues a code, an admin redeems it by command; balance and history show it; a second try is refused', async () => {
    const code = await issueOne('$500');
    const redeemed = (await (
      await slack.command(`redeem ${code.toLowerCase()}`, { userId: PEOPLE.admin, channelId: ACME_CHANNEL })
    ).json()) as Ack;
    expect(redeemed.text).toContain('$500.00');
    expect(redeemed.text).toContain('Acme');
    const status = (await (
      await slack.command('status', { userId: PEOPLE.admin, channelId: ACME_CHANNEL })
    ).json()) as Ack;
    expect(status.text).toContain('$500.00');
    const history = (await (
      await slack.command('history', { userId: PEOPLE.admin, channelId: ACME_CHANNEL })
    ).json()) as Ack;
    expect(history.text).toContain('$500.00');
    expect(history.text).not.toMatch(CODE);
    const again = (await (
      await slack.command(`redeem ${code}`, { userId: PEOPLE.admin, channelId: ACME_CHANNEL })
    ).json()) as Ack;
    expect(again.text).toMatch(/already redeemed for this account on .* by/);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('redeems through the modal; a bad code shows on the code field and the modal stays open', async () => {
    const code = await issueOne('1200.50');
    const opened = slackApi('views.open');
    await slack.command('redeem', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await expect.poll(() => opened.length).toBe(1);
    const view = (opened[0] as { view: { callback_id: string; private_metadata: string } }).view;
    expect(view.callback_id).toBe(CALLBACK.redeem);
    const submit = (text: string) =>
      slack.interaction({
        type: 'view_submission',
        user: slackUser('admin'),
        api_app_id: 'A1',
        view: {
          id: 'V1',
          type: 'modal',
          callback_id: CALLBACK.redeem,
          private_metadata: view.private_metadata,
          blocks: [],
          state: {
            values: { [REDEEM_INPUT]: { [REDEEM_INPUT]: { type: 'plain_text_input', value: text } } },
          },
        },
      });
    const bad = (await (await submit('BAL-0000-0000-0000-0000-0')).json()) as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(bad).toEqual({ response_action: 'errors', errors: { [REDEEM_INPUT]: 'This code is not valid.' } });
    const typo = (await (await submit(`${code.slice(0, -1)}${code.endsWith('0') ? '1' : '0'}`)).json()) as {
      errors: Record<string, string>;
    };
    expect(typo.errors[REDEEM_INPUT]).toMatch(/looks mistyped/);

    const ephemeral = slackApi('chat.postEphemeral');
    const good = await submit(code);
    expect(await good.text()).toBe('');
    await expect.poll(() => ephemeral.length).toBe(1);
    expect(ephemeral[0]).toMatchObject({ channel: ACME_CHANNEL, user: PEOPLE.admin });
    expect((ephemeral[0] as { text: string }).text).toContain('$1,200.50');
  });

  it('Issue code for this quote: one code of the quote’s amount, private to sales, announced (last 4) in the thread', async () => {
    nock.cleanAll();
    const posts = slackApi('chat.postMessage', { ts: '1764150000.000300', channel: 'C0SALES' }, 5);
    await slack.command('quote 120 24 plus for Globex', { userId: PEOPLE.sales, channelId: 'C0SALES' });
    await expect.poll(() => posts.length).toBe(1);
    const quoteBlocks = JSON.stringify((posts[0] as { blocks: unknown }).blocks);
    const quoteId =
      /"action_id":"quote_issue_code"[^}]*"value":"(\d+)"/.exec(quoteBlocks)?.[1] ??
      /"value":"(\d+)"[^}]*"action_id":"quote_issue_code"/.exec(quoteBlocks)?.[1];
    expect(quoteId).toBeDefined();
    const ephemeral = slackApi('chat.postEphemeral', {}, 2);
    const click = () =>
      slack.interaction({
        type: 'block_actions',
        user: slackUser('sales'),
        api_app_id: 'A1',
        trigger_id: 't',
        channel: { id: 'C0SALES' },
        container: { type: 'message', channel_id: 'C0SALES', message_ts: '1764150000.000300' },
        response_url: 'http://slack.test/respond/1',
        actions: [{ type: 'button', action_id: ACTION.issueCodeForQuote, block_id: 'q', value: quoteId }],
      });
    await click();
    await expect.poll(() => ephemeral.length).toBe(1);
    const secret = ephemeral[0] as { text: string; thread_ts: string; user: string };
    expect(secret).toMatchObject({ user: PEOPLE.sales, thread_ts: '1764150000.000300' });
    expect(secret.text).toContain('$11,520.00');
    const [code] = secret.text.match(CODE)!;
    await expect.poll(() => posts.length).toBe(2);
    const thread = posts[1] as { text: string; thread_ts: string };
    expect(thread.thread_ts).toBe('1764150000.000300');
    expect(thread.text).toContain(code!.replaceAll('-', '').slice(-4));
    expect(thread.text).not.toMatch(CODE);
    // A second click issues nothing more.
    const answered = responseUrl();
    await click();
    await expect.poll(() => answered.length).toBe(1);
    expect((answered[0] as { text: string }).text).toContain('already issued');
  });

  it('a license pack for another plan is refused with both plans named, and stays unused', async () => {
    const pack = generateCode('license_pack');
    await importLicensePacks(t.db, [{ line: 2, code: pack, devices: 5, months: 12, planCode: 'standard' }], {
      actor: 'cli',
      now: slack.clock.now(),
      secret: CODE_SECRET,
    });
    const reply = (await (
      await slack.command(`redeem ${pack}`, { userId: PEOPLE.admin, channelId: ACME_CHANNEL })
    ).json()) as Ack;
    expect(reply.text).toContain('This license pack is for the Standard plan, but the account is on Plus.');
    expect(await listCodes(t.db, { filter: 'open', now: slack.clock.now(), limit: 5 })).toHaveLength(1);
  });

  it('more than 10 codes go as a CSV file to the issuer’s DM, not in the message', async () => {
    const { opened, uploads } = fileUploads();
    const ack = (await (
      await slack.command('codes issue 25 x12 expires 2027-06-30', { userId: PEOPLE.sales })
    ).json()) as Ack;
    expect(ack.text).not.toMatch(CODE);
    expect(ack.text).toContain('in your DM with Balance');
    expect(opened).toHaveLength(1);
    expect(uploads.join('')).toMatch(/code,amount,expires_at,note/);
    expect(uploads.join('').match(CODE)).toHaveLength(12);
  });
});
