import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeInput } from '../../../src/domain/money.js';
import {
  escapeMrkdwn,
  linesToSections,
  money,
  monthName,
  plainDate,
  signedMoney,
  slackDate,
  toPlain,
  truncate,
  userMention,
  userText,
} from '../../../src/slack/render/mrkdwn-text.js';
import { DANGEROUS, USD } from './fixtures.js';

describe('money', () => {
  it('formats minor units in the currency', () => {
    expect(money(1_152_000n, USD)).toBe('$11,520.00');
    expect(money(0n, USD)).toBe('$0.00');
    expect(money(1200n, { currency: 'JPY', timeZone: 'UTC' })).toBe('¥1,200');
  });

  it('signs transfers with a plus or a real minus sign', () => {
    expect(signedMoney(10_000n, USD)).toBe('+$100.00');
    expect(signedMoney(-510n, USD)).toBe('−$5.10');
  });
});

describe('dates', () => {
  const at = new Date('2026-12-26T15:30:00Z');

  it('writes a Slack date token whose fallback is the date in the billing zone', () => {
    expect(slackDate(at, USD)).toBe(`<!date^${at.getTime() / 1000}^{date_short_pretty}|2026-12-26>`);
    // 15:30 UTC is already the next day in Auckland.
    expect(slackDate(at, { currency: 'USD', timeZone: 'Pacific/Auckland' })).toMatch(/\|2026-12-27>$/);
    expect(plainDate(at, USD)).toBe('2026-12-26');
    expect(plainDate(at, USD, 'date_time')).toBe('2026-12-26 15:30');
  });

  it('puts a local calendar date on that very day in the billing zone', () => {
    for (const timeZone of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/New_York']) {
      const token = slackDate('2027-03-14', { currency: 'USD', timeZone }, 'date_long_pretty');
      const unix = Number(/\^(\d+)\^/.exec(token)?.[1]);
      expect(plainDate(new Date(unix * 1000), { currency: 'USD', timeZone })).toBe('2027-03-14');
      expect(token).toMatch(/\{date_long_pretty\}\|2027-03-14>$/);
    }
  });

  it('names billing months', () => {
    expect(monthName('2026-12')).toBe('December 2026');
  });

  it('turns tokens and bold into plain text for the fallback', () => {
    expect(toPlain(`Runs out ${slackDate(at, USD)} — *$5.00*`)).toBe('Runs out 2026-12-26 — $5.00');
  });
});

describe('escaping user text', () => {
  it('neutralises mentions, broadcasts and links', () => {
    for (const evil of [
      '<!channel>',
      '<@U123ABC>',
      '<#C123|general>',
      '<https://evil.example|click>',
      '@here',
      '@Channel',
    ]) {
      expect(escapeMrkdwn(`hi ${evil} there`)).not.toMatch(DANGEROUS);
    }
    expect(escapeMrkdwn('A & B <x>')).toBe('A &amp; B &lt;x&gt;');
  });

  it('does not escape twice', () => {
    const once = escapeMrkdwn('<!channel> & co');
    expect(escapeMrkdwn(once)).toBe(once);
    expect(userText(once, 100)).toBe(once);
  });

  it('cuts escaped text on whole characters and entities', () => {
    const cut = userText('<'.repeat(100), 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect(cut).toBe(`${'&lt;'.repeat(4)}…`);
    expect(userText('line one\nline two', 100)).toBe('line one line two');
  });

  it('truncates without splitting an emoji', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('😀😀😀', 4)).toBe('😀…');
    expect(truncate('short', 10)).toBe('short');
  });

  it('mentions only real user ids', () => {
    expect(userMention('U0SALES1')).toBe('<@U0SALES1>');
    expect(userMention('system')).toBe('system');
    expect(userMention('<!channel>')).toBe('&lt;!channel&gt;');
  });
});

describe('echoed input (describeInput, then the renderer escapes)', () => {
  const echoed = (text: string) => escapeMrkdwn(describeInput(text));

  it('escapes Slack markup so an echo cannot ping anyone', () => {
    expect(echoed('<!channel> hi')).toBe('&lt;!channel&gt; hi');
    expect(echoed('<!here|here>')).toBe('&lt;!here|here&gt;');
    expect(echoed('<@U123ABC>')).toBe('&lt;@U123ABC&gt;');
    expect(echoed('a & b')).toBe('a &amp; b');
  });

  it('keeps @here, @channel and @everyone readable but unable to notify', () => {
    expect(escapeMrkdwn('ping @here and @Channel, not @hereford')).toBe(
      'ping @\u2060here and @\u2060Channel, not @hereford',
    );
    expect(echoed('@everyone')).toBe('@\u2060everyone');
  });

  it('never lets markup or control characters through, and stays short', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const shown = echoed(text);
        expect(shown).not.toMatch(/[<>\p{Cc}\p{Cf}]/u);
        expect(Array.from(shown.replace(/&(amp|lt|gt);/g, '_')).length).toBeLessThanOrEqual(40);
      }),
    );
  });
});

describe('linesToSections', () => {
  it('packs lines into sections of at most 3000 characters', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${i} ${'x'.repeat(400)}`);
    const sections = linesToSections(lines);
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) expect(s.text?.text.length).toBeLessThanOrEqual(3000);
    const joined = sections.map((s) => s.text?.text).join('\n');
    expect(joined).toBe(lines.join('\n'));
  });
});
