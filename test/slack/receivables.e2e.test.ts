import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { invoices } from '../../src/db/schema.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { owe } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack } from '../support/slack.js';

type Ack = { text: string };

// The harness's clock stands at 2026-11-26T10:00:00Z.
describeDatabases('finance: receivables, offline payments and write-offs, through Slack', (t) => {
  let slack: SlackHarness;
  let october: string;
  let november: string;
  beforeEach(async () => {
    slack = await startSlack(t.db);
    const { acme } = await seedPeople(t.db);
    slackApi('views.publish', {}, 50);
    october = (
      await owe(t.db, acme.id, 19_000n, { month: '2026-10', issueDate: '2026-11-01', dueDate: '2026-11-08' })
    ).number;
    november = (
      await owe(t.db, acme.id, 48_000n, { month: '2026-11', issueDate: '2026-11-25', dueDate: '2026-12-02' })
    ).number;
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const as = (who: keyof typeof PEOPLE, triggerId?: string) => ({
    userId: PEOPLE[who],
    channelId: ACME_CHANNEL,
    triggerId,
  });
  const reply = async (text: string, who: keyof typeof PEOPLE = 'finance', triggerId?: string) =>
    (await (await slack.command(text, as(who, triggerId))).json()) as Ack & { blocks: unknown[] };
  const ack = async (text: string, who: keyof typeof PEOPLE = 'finance', triggerId?: string) =>
    (await reply(text, who, triggerId)).text;
  const outstanding = async () =>
    Object.fromEntries(
      (await t.db.select().from(invoices)).map((i) => [i.number, [i.status, i.outstandingCents]]),
    );

  it('receivables: the accounts that owe, aged, with the totals', async () => {
    const answer = await reply('receivables');
    const { text } = answer;
    const shown = JSON.stringify(answer.blocks);
    expect(text).toContain('Receivables as of 2026-11-26');
    expect(text).toContain('$670.00 outstanding on 2 invoices of 1 account');
    expect(text).toContain('not yet due: $480.00 · 1–30 days: $190.00 · 31–60 days: $0.00');
    expect(shown).toContain('*Acme* $670.00 (not yet due $480.00 · 1–30 days $190.00)');
  });

  it('invoices pay: records what finance received, says what is left; a retried request records nothing new', async () => {
    const first = await ack(
      `invoices pay ${october.toLowerCase()} $90.50 wire 2026-11-25 ref 8841`,
      'finance',
      'trigger.pay1',
    );
    expect(first).toBe(
      `✅ Recorded an offline payment of $90.50 on ${october} (Acme). $99.50 is still outstanding.`,
    );
    const before = await tableCounts(t.db);
    const again = await ack(
      `invoices pay ${october} $90.50 wire 2026-11-25 ref 8841`,
      'finance',
      'trigger.pay1',
    );
    expect(again).toContain('already recorded: nothing new was written');
    expect(await tableCounts(t.db)).toEqual(before);
    const rest = await ack(`invoices pay ${october} 99.50`, 'finance', 'trigger.pay2');
    expect(rest).toContain('It is now paid.');
    expect(await outstanding()).toEqual({ [october]: ['paid', 0n], [november]: ['due', 48_000n] });
  });

  it('invoices write-off: bad debt for what is outstanding, then the invoice takes nothing more', async () => {
    expect(await ack(`invoices write-off ${november} customer closed down`, 'finance', 'trigger.wo1')).toBe(
      `✅ Wrote off $480.00 on ${november} (Acme). It is written off.`,
    );
    expect(await ack(`invoices pay ${november} 10`, 'finance', 'trigger.wo2')).toContain(
      `${november} is written off: nothing is outstanding`,
    );
    expect(await ack(`invoices write-off ${november} again`, 'finance', 'trigger.wo3')).toContain(
      'is written off',
    );
    expect(await outstanding()).toEqual({ [october]: ['due', 19_000n], [november]: ['written_off', 0n] });
  });

  it('a positive adjustment settles the oldest invoice first and its reply says what is left', async () => {
    expect(await ack('adjust +250 goodwill', 'finance', 'trigger.adj1')).toBe(
      `Added $250.00 to Acme (goodwill) · $190.00 paid ${october} (now paid) · $60.00 paid ${november} ($420.00 left). Balance: $0.00.`,
    );
    expect(await outstanding()).toEqual({ [october]: ['paid', 0n], [november]: ['due', 42_000n] });
  });

  const refused: Array<[string, () => string, keyof typeof PEOPLE, RegExp]> = [
    [
      'more than is outstanding',
      () => `invoices pay ${october} 190.01`,
      'finance',
      /more than is outstanding on INV-2026-\d{5}; nothing was recorded/,
    ],
    [
      'an unknown number',
      () => 'invoices pay INV-2026-09999 10',
      'finance',
      /^There is no invoice INV-2026-09999\.$/,
    ],
    [
      'an unknown number to write off',
      () => 'invoices write-off INV-2025-00001 lost',
      'finance',
      /^There is no invoice INV-2025-00001\.$/,
    ],
    [
      'a number in another format',
      () => 'invoices pay INV-26-1 10',
      'finance',
      /is not an invoice number \(INV-YYYY-NNNNN/,
    ],
    ['no amount', () => `invoices pay ${october}`, 'finance', /How much was paid\?/],
    [
      'a zero amount',
      () => `invoices pay ${october} 0`,
      'finance',
      /^Amounts start at \$1\.00 \("0" is less\)\nUsage: `\/balance invoices pay &lt;INV-…&gt; &lt;amount&gt;/,
    ],
    ['an amount like 1e6', () => `invoices pay ${october} 1e6`, 'finance', /Usage: `\/balance invoices pay/],
    ['a write-off without a reason', () => `invoices write-off ${october}`, 'finance', /Give the reason/],
    [
      'a right-to-left override in the reference',
      () => `invoices pay ${october} 10 wire\u202ex`,
      'finance',
      /reference|control/i,
    ],
    [
      'an admin paying',
      () => `invoices pay ${october} 10`,
      'admin',
      /`\/balance invoices pay` needs finance/,
    ],
    [
      'sales writing off',
      () => `invoices write-off ${october} lost`,
      'sales',
      /`\/balance invoices write-off` needs finance/,
    ],
    [
      'an admin asking for receivables',
      () => 'receivables',
      'admin',
      /`\/balance receivables` needs finance/,
    ],
  ];
  for (const [what, text, who, error] of refused) {
    it(`refuses ${what}, writing nothing`, async () => {
      const before = await tableCounts(t.db);
      const said = await ack(text(), who);
      expect(said).toMatch(error);
      expect(await tableCounts(t.db)).toEqual(before);
      expect(await outstanding()).toEqual({ [october]: ['due', 19_000n], [november]: ['due', 48_000n] });
    });
  }
});
