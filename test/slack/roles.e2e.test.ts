import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeDatabases, tableCounts } from '../support/db.js';
import { ACME_CHANNEL, PEOPLE, type Person, seedPeople } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack } from '../support/slack.js';

/** Each subcommand with valid arguments, and the people who may run it (SPEC §3, §4). */
const TABLE: Array<[command: string, allowed: Person[]]> = [
  ['help', ['owner', 'finance', 'sales', 'admin', 'nobody']],
  ['estimate 10 12', ['owner', 'finance', 'sales', 'admin', 'nobody']],
  ['quote 10 12 plus', ['owner', 'sales']],
  ['status', ['owner', 'finance', 'sales', 'admin']],
  ['devices 5', ['owner', 'admin']],
  ['history 5', ['owner', 'finance', 'admin']],
  ['redeem', ['owner', 'admin']],
  ['reload', ['owner', 'admin']],
  ['invoices', ['owner', 'finance', 'admin']],
  ['codes issue 100', ['owner', 'sales']],
  ['codes list', ['owner', 'sales', 'finance']],
  ['codes void ABCD', ['owner', 'sales', 'finance']],
  ['adjust +10 goodwill', ['owner', 'finance']],
  ['refund pay_1', ['owner', 'finance']],
  ['account create Globex', ['owner']],
  ['account link Acme', ['owner']],
  ['account plan standard', ['owner']],
  ['account admins add <@UNEW1|new>', ['owner']],
  ['config finance-channel <#CFIN1|finance>', ['owner', 'finance']],
  ['config alert-channel <#CALERT1|alerts>', ['owner', 'finance']],
  ['config alert-threshold 2', ['owner', 'finance']],
  ['roles grant <@UNEW1|new> sales', ['owner']],
];

const PERSONS = Object.keys(PEOPLE) as Person[];

describeDatabases('who may run what', (t) => {
  let slack: SlackHarness;
  beforeEach(async () => {
    slack = await startSlack(t.db);
    await seedPeople(t.db);
    // Quotes are posted in the channel; Home tabs are republished after changes.
    slackApi('chat.postMessage', { ts: '1700000000.000100', channel: ACME_CHANNEL }, 100);
    slackApi('views.publish', {}, 100);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  it.each(TABLE)(
    '/balance %s runs for exactly %o; the others are told the role and nothing is written',
    async (command, allowed) => {
      for (const person of PERSONS) {
        await slack.settle(); // what an allowed run before this one does in the background (its balance check)
        const before = await tableCounts(t.db);
        const res = await slack.command(command, { userId: PEOPLE[person], channelId: ACME_CHANNEL });
        expect(res.status).toBe(200);
        const raw = await res.text();
        const text = raw ? (JSON.parse(raw) as { text: string }).text : '';
        const refused = /needs (an owner|finance|sales|an admin)/.test(text);
        expect({ person, refused }).toEqual({ person, refused: !allowed.includes(person) });
        if (refused) {
          expect(text).toMatch(/^`\/balance [a-z -]+` needs .+\. Ask an owner if you should have access\.$/);
          await slack.settle();
          expect(await tableCounts(t.db)).toEqual(before);
        }
      }
    },
  );

  it('help lists exactly the subcommands each person may run', async () => {
    const helpOf = async (person: Person) =>
      ((await (await slack.command('help', { userId: PEOPLE[person] })).json()) as { text: string }).text;
    const nobody = await helpOf('nobody');
    expect(nobody).toContain('/balance estimate');
    expect(nobody).not.toContain('/balance status');
    expect(nobody).not.toContain('/balance account create');
    const sales = await helpOf('sales');
    expect(sales).toContain('/balance quote');
    expect(sales).toContain('/balance codes issue');
    expect(sales).not.toContain('/balance adjust');
    const finance = await helpOf('finance');
    expect(finance).toContain('/balance adjust');
    expect(finance).not.toContain('/balance quote');
    const owner = await helpOf('owner');
    expect(owner).toContain('/balance roles grant|revoke');
    expect(owner).toContain('/balance account create');
  });
});
