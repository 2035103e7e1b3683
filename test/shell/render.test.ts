import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/app/ids.js';
import { mrkdwnToText } from '../../src/shell/mrkdwn.js';
import { renderMessage, renderView } from '../../src/shell/render.js';
import { ESTIMATE_MESSAGE, estimateModal, HOME_VIEW } from './fixtures.js';

describe('mrkdwnToText', () => {
  it('drops bold markers and keeps italics, strikethrough and code', () => {
    expect(mrkdwnToText('*Total* is _about_ ~$5~ `$4.00`')).toBe('Total is _about_ ~$5~ `$4.00`');
  });

  it('leaves asterisks alone inside code and between words', () => {
    expect(mrkdwnToText('`a *b* c` and 2*3*4')).toBe('`a *b* c` and 2*3*4');
  });

  it('makes bold ANSI bold only when color is on', () => {
    expect(mrkdwnToText('*Hi*', { color: true })).toBe('\x1b[1mHi\x1b[22m');
  });

  it('shows date tokens as their fallback, or as an ISO date without one', () => {
    expect(mrkdwnToText('runs out <!date^1700000000^{date_short_pretty}|2026-12-26>')).toBe(
      'runs out 2026-12-26',
    );
    expect(mrkdwnToText('<!date^1700000000^{date}>')).toBe('2023-11-14');
  });

  it('turns mentions, channels, broadcasts and links into what a reader sees', () => {
    expect(mrkdwnToText('<@U123> <@U9|ana> <#C123|billing> <#C42> <!here>')).toBe(
      '@U123 @ana #billing #C42 @here',
    );
    expect(mrkdwnToText('<https://x.test/pay|Pay now> <https://x.test> <mailto:a@b.test|a@b.test>')).toBe(
      'Pay now (https://x.test/pay) https://x.test a@b.test',
    );
  });

  it('keeps angle brackets that are not Slack tokens', () => {
    expect(mrkdwnToText('estimate <devices> [<months>]')).toBe('estimate <devices> [<months>]');
  });

  it('unescapes entities once, after the tokens', () => {
    expect(mrkdwnToText('a &lt;b&gt; &amp; c &amp;lt;')).toBe('a <b> & c &lt;');
  });
});

describe('renderMessage', () => {
  it('renders a realistic estimate as readable text, not JSON', () => {
    const { text } = renderMessage(ESTIMATE_MESSAGE);
    expect(text).toBe(
      [
        'Estimate',
        '========',
        '25 devices × 12 months on _Standard_ = $600.00',
        'Unit price: $2.00 / device / month',
        'Balance:    $1,250.00',
        'Runway:     25 months, until 2026-12-26',
        '-'.repeat(40),
        'Asked by @U123 in #billing & shared <today>',
        '[1] Share as quote   [2] Reload this amount',
      ].join('\n'),
    );
    expect(text).not.toContain('{');
  });

  it('lists buttons as numbered choices that carry what an action needs', () => {
    const { choices } = renderMessage(ESTIMATE_MESSAGE);
    expect(choices).toEqual([
      {
        number: 1,
        label: 'Share as quote',
        actionId: ACTION.shareAsQuote,
        blockId: 'estimate_actions',
        value: '{"devices":25,"months":12,"plan":"standard"}',
      },
      {
        number: 2,
        label: 'Reload this amount',
        actionId: ACTION.reloadThisAmount,
        blockId: 'estimate_actions',
        value: '{"devices":25,"months":12,"plan":"standard"}',
      },
    ]);
  });

  it('numbers from firstChoice, prints link buttons with their URL and accessories after the text', () => {
    const blocks: KnownBlock[] = [
      {
        type: 'section',
        block_id: 'pay',
        text: { type: 'mrkdwn', text: 'Pay *$600.00*' },
        accessory: {
          type: 'button',
          action_id: 'pay_link',
          text: { type: 'plain_text', text: 'Pay' },
          url: 'https://pay.test/s/1',
        },
      },
    ];
    const { text, choices } = renderMessage({ text: 'Pay', blocks }, { firstChoice: 4 });
    expect(text).toBe('Pay $600.00\n[4] Pay (https://pay.test/s/1)');
    expect(choices[0]).toMatchObject({
      number: 4,
      actionId: 'pay_link',
      blockId: 'pay',
      url: 'https://pay.test/s/1',
    });
  });

  it('aligns fields by their visible width when bold is ANSI', () => {
    const { text } = renderMessage(ESTIMATE_MESSAGE, { color: true });
    expect(text.replaceAll('\x1b[1m', '').replaceAll('\x1b[22m', '')).toBe(
      renderMessage(ESTIMATE_MESSAGE).text,
    );
    expect(text).toContain('\x1b[1mEstimate\x1b[22m\n========');
  });

  it('lays fields without labels out in two aligned columns', () => {
    const blocks: KnownBlock[] = [
      {
        type: 'section',
        fields: [
          { type: 'plain_text', text: '12 months' },
          { type: 'plain_text', text: '$600.00' },
          { type: 'mrkdwn', text: '36 months (best)' },
          { type: 'mrkdwn', text: '*$1,800.00*' },
        ],
      },
    ];
    expect(renderMessage({ text: '', blocks }).text).toBe(
      '12 months           $600.00\n36 months (best)    $1,800.00',
    );
  });

  it('makes the options of a select outside a modal into choices with a selected value', () => {
    const blocks: KnownBlock[] = [
      {
        type: 'actions',
        block_id: 'picker',
        elements: [
          {
            type: 'static_select',
            action_id: ACTION.homePickAccount,
            placeholder: { type: 'plain_text', text: 'Account' },
            options: [
              { text: { type: 'plain_text', text: 'Acme' }, value: '1' },
              { text: { type: 'plain_text', text: 'Beta' }, value: '2' },
            ],
          },
        ],
      },
    ];
    const { text, choices } = renderMessage({ text: '', blocks });
    expect(text).toBe('Account: [1] Acme  [2] Beta');
    expect(choices[1]).toMatchObject({
      actionId: ACTION.homePickAccount,
      blockId: 'picker',
      selectedValue: '2',
    });
  });

  it('renders simple rich text: styles, mentions, links, lists and quotes', () => {
    const blocks: KnownBlock[] = [
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'text', text: 'Hi ' },
              { type: 'user', user_id: 'U1' },
              { type: 'text', text: ', see ' },
              { type: 'link', url: 'https://x.test', text: 'docs' },
              { type: 'text', text: ' ' },
              { type: 'text', text: 'now', style: { code: true } },
            ],
          },
          {
            type: 'rich_text_list',
            style: 'ordered',
            elements: [
              { type: 'rich_text_section', elements: [{ type: 'text', text: 'one' }] },
              {
                type: 'rich_text_section',
                elements: [{ type: 'date', timestamp: 1700000000, format: '{date}', fallback: 'Nov 14' }],
              },
            ],
          },
          { type: 'rich_text_quote', elements: [{ type: 'channel', channel_id: 'C1' }] },
        ],
      },
    ];
    expect(renderMessage({ text: '', blocks }).text).toBe(
      'Hi @U1, see docs (https://x.test) `now`\n1. one\n2. Nov 14\n> #C1',
    );
  });

  it('falls back to the message text when there are no blocks', () => {
    expect(renderMessage({ text: 'Redeemed *$50.00* &amp; done' })).toEqual({
      text: 'Redeemed $50.00 & done',
      choices: [],
    });
  });

  it('lists buttons without numbers when the output is not interactive', () => {
    expect(renderMessage(ESTIMATE_MESSAGE, { interactive: false })).toMatchObject({
      text: expect.stringContaining('[Share as quote]   [Reload this amount]'),
      choices: [],
    });
  });
});

describe('renderView', () => {
  it('renders the Home tab with its buttons as choices', () => {
    const { text, choices } = renderView(HOME_VIEW);
    expect(text).toBe('Acme\n====\nBalance: $1,250.00\nDevices: 25\n[1] Estimate   [2] Redeem a code');
    expect(choices.map((choice) => choice.actionId)).toEqual([ACTION.homeEstimate, ACTION.homeRedeem]);
  });

  it("shows a modal's title and non-input blocks only", () => {
    expect(renderView(estimateModal({ total: '$600.00' })).text).toBe('Estimate\n========\nTotal: $600.00');
  });
});
