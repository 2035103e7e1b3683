import nock from 'nock';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDatabases, tableCounts } from '../support/db.js';
import { ACME_CHANNEL, PEOPLE, seedPeople } from '../support/people.js';
import { type SlackHarness, startSlack } from '../support/slack.js';

/** Values that must never pass where a number, a mention or a channel belongs. */
const BAD = {
  zero: '0',
  negative: '-5',
  decimal: '2.5',
  exponent: '1e6',
  words: 'lots',
  huge: '9'.repeat(5_000),
  emoji: '🙂',
  control: 'ab\u0007c',
  mention: '<@U123ABC|bob>',
  // Format characters (\p{Cf}): a name that reads "Evil" backwards, and one with a zero-width space in it.
  rightToLeft: 'Ev\u202eil',
  zeroWidth: 'Ac\u200bme',
};
type Bad = keyof typeof BAD;
const NUMERIC: Bad[] = [
  'zero',
  'negative',
  'decimal',
  'exponent',
  'words',
  'huge',
  'emoji',
  'control',
  'mention',
];
const NOT_A_PERSON: Bad[] = ['zero', 'negative', 'decimal', 'exponent', 'words', 'huge', 'emoji', 'control'];

/** Each subcommand's argument slots, `{}` standing for the bad value, and which bad values apply there. */
const SLOTS: Array<[template: string, values: Bad[]]> = [
  ['estimate {}', NUMERIC],
  ['estimate 10 {}', NUMERIC],
  [
    'estimate 10 12 {}',
    ['zero', 'negative', 'decimal', 'exponent', 'words', 'huge', 'emoji', 'control', 'mention'],
  ],
  ['quote {} 12', NUMERIC],
  ['quote 10 {}', NUMERIC],
  ['quote 10 12 {}', ['exponent', 'words', 'huge', 'emoji', 'control', 'mention']],
  ['devices {}', NUMERIC],
  ['history {}', NUMERIC],
  ['account plan {}', ['zero', 'words', 'huge', 'emoji', 'control', 'mention']],
  ['account create {}', ['huge', 'control', 'rightToLeft', 'zeroWidth']],
  ['codes issue 100 {}', ['rightToLeft', 'zeroWidth']],
  ['quote 10 12 plus for {}', ['rightToLeft', 'zeroWidth']],
  ['adjust +10 {}', ['rightToLeft', 'zeroWidth']],
  ['account admins add {}', NOT_A_PERSON],
  ['config finance-channel {}', [...NOT_A_PERSON, 'mention']],
  ['config alert-channel {}', [...NOT_A_PERSON, 'mention']],
  // Months with one decimal are fine here (2.5); more decimals are not.
  ['config alert-threshold {}', NUMERIC.filter((b) => b !== 'decimal')],
  ['config alert-threshold 2.55{}', ['zero']],
  ['roles grant {} sales', NOT_A_PERSON],
];

const CASES = SLOTS.flatMap(([template, values]) =>
  values.map((bad) => [template.replace('{}', BAD[bad]).slice(0, 60), template, bad] as const),
);

describeDatabases('bad input to every subcommand', (t) => {
  let slack: SlackHarness;
  beforeAll(async () => {
    slack = await startSlack(t.db);
  });
  beforeEach(async () => {
    await seedPeople(t.db);
  });
  afterAll(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  it.each(CASES)(
    '"/balance %s" gets one clear private line and writes nothing',
    async (_label, template, bad) => {
      const before = await tableCounts(t.db);
      const res = await slack.command(template.replace('{}', BAD[bad]), {
        userId: PEOPLE.owner,
        channelId: ACME_CHANNEL,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      // What was wrong, in words, and how the command is used (or which plan names exist).
      expect(body.text).toMatch(/must be|is not|isn’t|not a|no plan|characters|Unexpected|mention/i);
      expect(body.text.length).toBeLessThan(600);
      // Nothing the user typed comes back as a live mention or link.
      expect(body.text).not.toMatch(/<[@#!]/);
      for (const hidden of ['\u0007', '\u202e', '\u200b']) expect(body.text).not.toContain(hidden);
      await slack.settle();
      expect(await tableCounts(t.db)).toEqual(before);
    },
  );
});
