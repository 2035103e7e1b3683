import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import {
  CALLBACK,
  CUSTOM_MONTHS,
  ESTIMATE_INPUT,
  JAMF_INPUT,
  REDEEM_INPUT,
  RELOAD_INPUT,
} from '../../src/app/ids.js';
import { createInteractions } from '../../src/app/interactions.js';
import type {
  Actor,
  Deps,
  InputValue,
  Interactions,
  SubmittedView,
  ViewValues,
} from '../../src/app/types.js';
import type { Account } from '../../src/services/accounts.js';
import { createJamfProClient } from '../../src/services/jamf/client.js';
import { describeDatabases } from '../support/db.js';
import { testDeps } from '../support/deps.js';
import { ACME_CHANNEL, person as identityOf, type Person, seedPeople } from '../support/people.js';
import { slackReplies, slackResult } from '../support/rendered.js';
import { fastCounts } from './support/counts.js';

/** Text that has broken parsers, databases, HTML and Slack's mrkdwn before. */
const NASTY = [
  "'; DROP TABLE accounts; --",
  "1'; DELETE FROM transfers; --",
  '<script>alert(1)</script>',
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!here|here>',
  '<!subteam^S0123|@team>',
  '@here',
  '@channel',
  '@everyone',
  '@HERE!',
  'hey @channel look',
  '<@U123|x>',
  '<@U123ABC>',
  '<#C123|general>',
  '<https://evil.example|click me>',
  '*bold*',
  '_it_',
  '~gone~',
  '`code`',
  '```block```',
  '> quote',
  '&lt;!channel&gt;',
  '&amp;',
  '9'.repeat(400),
  '1e308',
  '-1',
  '0',
  '1.5',
  '1,000',
  '$1,000,000,000.00',
  '99999999999999999999',
  'NaN',
  'Infinity',
  '0x1F',
  '١٢٣',
  '１２３',
  '🙂',
  '👨‍👩‍👧‍👦',
  '\u202eevil',
  '\u0000',
  '\u0007',
  'a\nb',
  'x'.repeat(1_200),
  'BAL-AAAA-BBBB-CCCC-DDDD-E',
  'pay_0000000000000000',
  '2026-13',
  '"quoted words"',
  '“curly”',
];
const WORDS = [
  'help',
  'estimate',
  'quote',
  'status',
  'redeem',
  'reload',
  'devices',
  'invoices',
  'history',
  'codes issue',
  'codes list',
  'codes void',
  'adjust',
  'refund',
  'account create',
  'account link',
  'account plan',
  'account admins add',
  'account admins remove',
  'config finance-channel',
  'config alert-channel',
  'config alert-threshold',
  'roles grant',
  'roles revoke',
  '--account',
  'for',
  'sales',
  'finance',
  'plus',
  'standard',
  'x3',
  'expires',
];

const token = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.constantFrom(...WORDS),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.bigInt().map(String),
  fc.double().map(String),
  fc.integer({ min: -5, max: 2_000_000 }).map(String),
);
/** Free text where the grammar takes free text (names, notes, reasons, customers): mostly hostile. */
const freeText = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NASTY) }, token), {
    minLength: 1,
    maxLength: 4,
  })
  .map((a) => a.join(' ').slice(0, 300));
/** Well-formed commands with hostile text in their free-text slots: the paths that succeed and echo it back. */
const WELL_FORMED = [
  'account create {}',
  'account create "{}" plus',
  'quote 10 12 standard for {}',
  'quote 10 12 for {}',
  'codes issue 25 {}',
  'codes issue 5 x2 {}',
  'adjust +5 {}',
  'adjust -1 {}',
  'estimate 10 12 {}',
  'estimate {}',
  'redeem {}',
  'devices {}',
  'status --account {}',
  'history {}',
  'invoices {}',
  'account link {}',
  'roles grant {} sales',
  'config alert-threshold {}',
  'codes void {}',
  'refund {}',
  'reload {}',
];
const commandText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...WELL_FORMED), freeText)
      .map(([template, t]) => template.replace('{}', t)),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...WORDS), fc.array(token, { maxLength: 5 }))
      .map(([w, a]) => [w, ...a].join(' ')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.array(token, { maxLength: 6 }).map((a) => a.join(' ')) },
);
const person = fc.constantFrom<Person>('owner', 'finance', 'sales', 'admin', 'nobody');
const where = fc.constantFrom(ACME_CHANNEL, 'C0GENERAL', undefined);
const fieldText = fc.oneof(fc.constantFrom(...NASTY), token, {
  weight: 3,
  arbitrary: fc.constantFrom('', '12', '120', '1000000', '1000001', '2.5', '100.00', '$100', '€5'),
});

/** A broadcast that would ping a channel, a user group or everyone, live in what Slack shows. */
const PINGS = /<!(?:here|channel|everyone|subteam)|@(?:here|channel|everyone)\b/i;
/** What Slack shows of a reply or view: everything but where it goes (`channelId`) and the hidden metadata. */
const shown = (value: unknown) =>
  JSON.stringify(value, (key, v) => (key === 'channelId' || key === 'private_metadata' ? undefined : v));
/** Replies that say nothing was done: a usage error, or a refusal. */
const REFUSED = /Usage:|🚫/;

const text = (value: string): InputValue => ({ type: 'plain_text_input', value });
const option = (value: string): InputValue => ({ type: 'static_select', selected_option: { value } });

// The grammar and the modals do not depend on the database: PGlite, fast enough for many runs.
describeDatabases(
  'random and hostile input to /balance and the modals',
  (t) => {
    let interactions: Interactions;
    let deps: Deps;
    let acme: Account;
    beforeAll(async () => {
      deps = await testDeps(t.db, {
        connectors: {
          jamf: createJamfProClient({ timeoutMs: 1_000 }),
          secretsKey: 'property-secrets-key-0123456789',
        },
      });
      interactions = createInteractions(deps);
    });
    const settled = async () => {
      await deps.background.drain();
      await deps.outbox.idle();
    };
    const actorOf = (who: Person, channelId: string | undefined): Actor => ({
      ...identityOf(who),
      channelId,
      requestId: `trigger.${Math.random()}`,
    });

    // Proves: whatever is typed, for every role, the command layer answers (never throws), writes nothing when it
    // answers with a usage error or a refusal, and never sends back a live @here/@channel/@everyone.
    it('/balance <anything>: never throws, never writes on an error, never echoes a ping', async () => {
      ({ acme } = await seedPeople(t.db));
      await fc.assert(
        fc.asyncProperty(commandText, person, where, async (input, who, channelId) => {
          const before = await fastCounts(t.db);
          const replies = await interactions.command(actorOf(who, channelId), input);
          await settled();
          const json = shown(slackReplies(replies));
          expect(json).not.toMatch(PINGS);
          if (REFUSED.test(json)) expect(await fastCounts(t.db)).toEqual(before);
        }),
        {
          numRuns: 200,
          seed: 20_261_126,
          // The classics run every time, whatever the seed draws.
          examples: [
            ["'; DROP TABLE accounts; --", 'owner', ACME_CHANNEL],
            ['estimate <script>alert(1)</script>', 'nobody', undefined],
            ['account create @here', 'owner', 'C0GENERAL'],
            ['account create <!channel> plus', 'owner', 'C0GENERAL'],
            ['quote 10 12 for @channel and <!everyone>', 'sales', ACME_CHANNEL],
            ['codes issue 25 hey @everyone <@U123|x>', 'sales', undefined],
            ['adjust +5 *@here* _<!here>_', 'finance', ACME_CHANNEL],
            [`devices ${'9'.repeat(400)}`, 'admin', ACME_CHANNEL],
          ],
        },
      );
    });

    const metadata = fc.oneof(
      { weight: 3, arbitrary: fc.constant('VALID') },
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '{}',
        '{"a":-1}',
        '{"a":"1"}',
        '{"a":99999999}',
        '{"a":1e400}',
        '[]',
        'null',
        '{"c":"<!channel>","a":1}',
      ),
    );
    const months = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('12', '24', '36', CUSTOM_MONTHS) },
      fieldText,
    );
    const submission = fc.oneof(
      fc.record({
        callbackId: fc.constant(CALLBACK.estimate),
        metadata,
        values: fc.record({
          devices: fieldText,
          months,
          custom: fieldText,
          plan: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('standard', 'plus') }, fieldText),
        }),
      }),
      fc.record({
        callbackId: fc.constant(CALLBACK.redeem),
        metadata,
        values: fc.record({ code: fieldText }),
      }),
      fc.record({
        callbackId: fc.constant(CALLBACK.jamfConnect),
        metadata,
        values: fc.record({
          // Valid values too, so that one bad field is seen alone; the valid URL is a closed local port.
          url: fc.oneof(fieldText, fc.constant('http://127.0.0.1:9')),
          client_id: fc.oneof(fieldText, fc.constant('6cabf059-21c9-44d6-bbde-02898f7430dd')),
          client_secret: fc.oneof(fieldText, fc.constant('a-client-secret-of-forty-characters-0123')),
        }),
      }),
      fc.record({
        callbackId: fc.constant(CALLBACK.reload),
        metadata,
        values: fc.record({
          mode: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('devices', 'amount') }, fieldText),
          devices: fieldText,
          months,
          custom: fieldText,
          amount: fieldText,
        }),
      }),
    );
    let views = 0;
    const viewOf = (s: SubmissionInput): SubmittedView => {
      const privateMetadata =
        s.metadata === 'VALID' ? JSON.stringify({ c: ACME_CHANNEL, a: acme.id }) : s.metadata;
      const v = s.values as Record<string, string>;
      const values: ViewValues =
        s.callbackId === CALLBACK.redeem
          ? { [REDEEM_INPUT]: { [REDEEM_INPUT]: text(v.code!) } }
          : s.callbackId === CALLBACK.jamfConnect
            ? Object.fromEntries(Object.values(JAMF_INPUT).map((id) => [id, { [id]: text(v[id]!) }]))
            : {
                [ESTIMATE_INPUT.devices]: { [ESTIMATE_INPUT.devices]: text(v.devices!) },
                [ESTIMATE_INPUT.months]: { [ESTIMATE_INPUT.months]: option(v.months!) },
                [ESTIMATE_INPUT.customMonths]: { [ESTIMATE_INPUT.customMonths]: text(v.custom!) },
                ...(v.plan === undefined
                  ? {}
                  : { [ESTIMATE_INPUT.plan]: { [ESTIMATE_INPUT.plan]: option(v.plan) } }),
                ...(v.mode === undefined
                  ? {}
                  : { [RELOAD_INPUT.mode]: { [RELOAD_INPUT.mode]: option(v.mode) } }),
                ...(v.amount === undefined
                  ? {}
                  : { [RELOAD_INPUT.amount]: { [RELOAD_INPUT.amount]: text(v.amount) } }),
              };
      return { id: `VPROP${++views}`, callbackId: s.callbackId, privateMetadata, values };
    };

    // Proves: every modal's submit answers field errors (never throws) for any field values, writes nothing when it
    // does (a failed code attempt is counted toward the lockout, by design), and never echoes a ping.
    it('estimate, redeem, reload and Jamf Pro submissions: never throw, never write on errors, never echo a ping', async () => {
      ({ acme } = await seedPeople(t.db));
      await fc.assert(
        fc.asyncProperty(submission, person, async (s, who) => {
          const before = await fastCounts(t.db);
          const result = await interactions.submit(actorOf(who, undefined), viewOf(s));
          await settled();
          // Field errors are plain text under the inputs, seen only by the submitter and never posted: they may quote
          // what was typed. Everything else (messages, the next step's view) must not carry a live ping.
          if (result.kind !== 'errors') expect(shown(slackResult(result))).not.toMatch(PINGS);
          if (result.kind === 'errors') {
            const after = await fastCounts(t.db);
            if (s.callbackId === CALLBACK.redeem) after.redemption_failures = before.redemption_failures!;
            expect(after).toEqual(before);
          }
        }),
        {
          numRuns: 200,
          seed: 20_261_127,
          examples: [
            [
              { callbackId: CALLBACK.redeem, metadata: 'VALID', values: { code: '<!channel> @here' } },
              'admin',
            ],
            [
              {
                callbackId: CALLBACK.reload,
                metadata: 'VALID',
                values: { mode: 'amount', devices: '', months: '12', custom: '', amount: '@here' },
              },
              'admin',
            ],
            [
              {
                callbackId: CALLBACK.estimate,
                metadata: 'VALID',
                values: { devices: "'; DROP TABLE accounts; --", months: '12', custom: '', plan: 'standard' },
              },
              'nobody',
            ],
          ],
        },
      );
    });
  },
  ['pglite'],
);

interface SubmissionInput {
  callbackId: string;
  metadata: string;
  values: Record<string, string>;
}
