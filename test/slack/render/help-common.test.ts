import { describe, expect, it } from 'vitest';
import { describeInput } from '../../../src/domain/money.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import { noticeMessage, refusalMessage, usageErrorMessage } from '../../../src/slack/render/common.js';
import { helpMessage } from '../../../src/slack/render/help.js';
import { blockTexts, DANGEROUS } from './fixtures.js';

describe('helpMessage', () => {
  it('lists usage — description lines', () => {
    const message = helpMessage({
      commands: [
        { usage: 'estimate [<devices> [<months> [<plan>]]]', description: 'what devices cost over months' },
        { usage: '/balance status', description: 'balance, runway and devices' },
      ],
    });
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain(
      '`/balance estimate [&lt;devices&gt; [&lt;months&gt; [&lt;plan&gt;]]]` — what devices cost over months',
    );
    expect(shown).toContain('`/balance status` — balance, runway and devices');
    expect(message.text).toContain('/balance status` — balance, runway and devices');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('splits a long list across sections', () => {
    const commands = Array.from({ length: 40 }, (_, i) => ({
      usage: `cmd${i} <arg>`,
      description: 'd'.repeat(200),
    }));
    const message = helpMessage({ commands });
    expect(message.blocks?.length).toBeGreaterThan(2);
    expect(blockKitProblems(message)).toEqual([]);
  });
});

describe('common messages', () => {
  it('noticeMessage keeps mrkdwn written by the caller', () => {
    const message = noticeMessage('Invoice runs will be reported in <#C0FIN>. *Done*');
    expect(blockTexts(message.blocks ?? [])).toBe('Invoice runs will be reported in <#C0FIN>. *Done*');
    expect(message.text).toBe('Invoice runs will be reported in <#C0FIN>. Done');
  });

  it('refusalMessage says what is needed', () => {
    const message = refusalMessage('`/balance adjust` needs finance.');
    expect(message.text).toBe('`/balance adjust` needs finance.');
    expect(blockTexts(message.blocks ?? [])).toContain('🚫');
  });

  it('usageErrorMessage shows the problem and the usage, without escaping twice', () => {
    const problem = `"${describeInput('<!channel>')}" is not a number`;
    const message = usageErrorMessage(problem, 'estimate [<devices> [<months> [<plan>]]]');
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toBe(
      '"&lt;!channel&gt;" is not a number\nUsage: `/balance estimate [&lt;devices&gt; [&lt;months&gt; [&lt;plan&gt;]]]`',
    );
    expect(message.text).toBe(shown);
    expect(shown).not.toMatch(DANGEROUS);
  });

  it('usageErrorMessage capitalises the problem', () => {
    expect(usageErrorMessage('enter an amount', '/balance reload <amount>').text).toMatch(
      /^Enter an amount\n/,
    );
  });
});
