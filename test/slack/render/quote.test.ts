import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/app/ids.js';
import type { QuoteModel } from '../../../src/app/views.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import { quoteMessage } from '../../../src/slack/render/quote.js';
import { blockTexts, buttons, DANGEROUS, PLUS, plusEstimate, USD } from './fixtures.js';

const base: QuoteModel = {
  format: USD,
  quoteId: 42,
  number: 'Q-2026-0007',
  customer: 'Globex Corp',
  plan: PLUS,
  estimate: plusEstimate(120, 24),
  validUntil: new Date('2027-01-09T15:00:00Z'),
  createdBy: 'U0SALES1',
  canIssueCode: true,
};

describe('quoteMessage', () => {
  it('shows the quote for everyone: number, customer, figures, validity and author', () => {
    const message = quoteMessage(base);
    const header = message.blocks?.[0];
    expect(header).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Quote Q-2026-0007', emoji: true },
    });
    const shown = blockTexts(message.blocks ?? []);
    for (const figure of [
      'Globex Corp',
      '$4.00 per device per month',
      '*$11,520.00*',
      '$5,760.00',
      '$17,280.00',
    ]) {
      expect(shown).toContain(figure);
    }
    expect(shown).toMatch(
      /Valid until <!date\^\d+\^\{date_short_pretty\}\|2027-01-09> · made by <@U0SALES1>/,
    );
    expect(message.text).toContain('Quote Q-2026-0007');
    expect(message.text).toContain('Customer: Globex Corp');
    expect(message.text).toContain('Devices: 120');
    expect(message.text).toContain('Months: 24');
    expect(message.text).toContain('Plan: Plus ($4.00/device/month)');
    expect(message.text).toContain('Total: $11,520.00');
    expect(message.text).toContain('Valid until 2027-01-09');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('offers Issue code only when allowed, with the quote id as value', () => {
    const [issue] = buttons(quoteMessage(base).blocks ?? []);
    expect(issue?.action_id).toBe(ACTION.issueCodeForQuote);
    expect(issue?.value).toBe('42');
    expect(issue?.text?.text).toBe('Issue code for this quote');
    expect(buttons(quoteMessage({ ...base, canIssueCode: false }).blocks ?? [])).toEqual([]);
  });

  it('works without a customer', () => {
    const message = quoteMessage({ ...base, customer: null });
    expect(message.text).not.toContain('Customer');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('escapes the customer, which anyone in the channel reads', () => {
    const message = quoteMessage({ ...base, customer: '<!channel> @here <@U999> *x*', createdBy: 'system' });
    expect(message.text).not.toMatch(DANGEROUS);
    expect(blockTexts(message.blocks ?? [])).not.toMatch(DANGEROUS);
  });

  it('keeps a 5,000-character customer within limits', () => {
    const message = quoteMessage({ ...base, customer: '<&>'.repeat(1700) });
    expect(blockKitProblems(message)).toEqual([]);
  });
});
