import type { InputBlock, PlainTextInput } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { CALLBACK, REDEEM_INPUT } from '../../../src/app/ids.js';
import type { RedeemedModel } from '../../../src/app/views.js';
import { blockKitProblems, viewProblems } from '../../../src/slack/limits.js';
import { redeemedMessage, redeemModal, redemptionNotice } from '../../../src/slack/render/redeem.js';
import { blockTexts, DANGEROUS, everything, USD, viewTexts } from './fixtures.js';

const EVIL = '<!channel> @everyone <https://evil.example|x> <@U0EVIL>';
const FULL_CODE = /(?:BAL|LP)-[0-9A-Z]{4}-|[0-9A-HJKMNP-TV-Z]{17}/;

const balance: RedeemedModel = {
  format: USD,
  kind: 'balance',
  accountName: 'Acme',
  amountCents: 50_000n,
  balanceCents: 150_000n,
  by: 'U0ADMIN1',
  last4: 'ABCD',
};

const pack: RedeemedModel = {
  format: USD,
  kind: 'license_pack',
  accountName: 'Acme',
  devices: 50,
  months: 12,
  startMonth: '2026-11',
  endMonth: '2027-10',
  by: 'U0ADMIN1',
  last4: 'WXYZ',
};

describe('redeemModal', () => {
  it('has the contract ids, title, buttons and one code input', () => {
    const view = redeemModal({ accountName: 'Acme', privateMetadata: '{"account":7}' });
    expect(view.callback_id).toBe(CALLBACK.redeem);
    expect(view.title.text).toBe('Redeem a code');
    expect(view.submit?.text).toBe('Redeem');
    expect(view.close?.text).toBe('Cancel');
    expect(view.private_metadata).toBe('{"account":7}');
    expect(viewTexts(view)).toContain('For *Acme*');
    const inputs = view.blocks.filter((b) => b.type === 'input') as InputBlock[];
    expect(inputs).toHaveLength(1);
    const input = inputs[0]!;
    expect(input.block_id).toBe(REDEEM_INPUT);
    expect(input.label.text).toBe('Code');
    expect(input.hint?.text).toBe(
      "Balance codes start with BAL-, license pack codes with LP-. Case, spaces and hyphens don't matter.",
    );
    const element = input.element as PlainTextInput;
    expect(element.type).toBe('plain_text_input');
    expect(element.action_id).toBe(REDEEM_INPUT);
    expect(element.placeholder?.text).toBe('BAL-XXXX-XXXX-XXXX-XXXX-X');
    expect(element.max_length).toBe(80);
    expect(viewProblems(view)).toEqual([]);
  });

  it('escapes the account name and fits with a long one', () => {
    const view = redeemModal({ accountName: EVIL, privateMetadata: '{}' });
    expect(viewTexts(view)).not.toMatch(DANGEROUS);
    const cut = redeemModal({ accountName: `${EVIL} @here ${'x'.repeat(300)}`, privateMetadata: '{}' });
    expect(viewTexts(cut)).not.toMatch(DANGEROUS);
    expect(viewProblems(view)).toEqual([]);
    expect(
      viewProblems(redeemModal({ accountName: '<&>'.repeat(27).slice(0, 80), privateMetadata: '' })),
    ).toEqual([]);
  });
});

describe('redeemedMessage', () => {
  it('says how much was added and the new balance', () => {
    const message = redeemedMessage(balance);
    expect(blockTexts(message.blocks ?? [])).toBe(
      'Redeemed code …ABCD: *$500.00* added to *Acme*. New balance: *$1,500.00*.',
    );
    expect(message.text).toBe('Redeemed code …ABCD: $500.00 added to Acme. New balance: $1,500.00.');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('says which devices a license pack covers, and for which months', () => {
    const message = redeemedMessage(pack);
    expect(blockTexts(message.blocks ?? [])).toBe(
      'Redeemed license pack …WXYZ: *50 devices* covered on *Acme* from November 2026 through October 2027 ' +
        '(12 months). Those devices are not charged to the balance.',
    );
    expect(message.text).toContain('Redeemed license pack …WXYZ: 50 devices covered on Acme');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('escapes the account name and fits 80 characters of it', () => {
    for (const m of [balance, pack]) {
      const message = redeemedMessage({ ...m, accountName: EVIL });
      expect(everything(message)).not.toMatch(DANGEROUS);
      const cut = redeemedMessage({ ...m, accountName: `${EVIL} @here ${'x'.repeat(300)}` });
      expect(everything(cut)).not.toMatch(DANGEROUS);
      expect(everything(message)).toContain('&lt;!channel&gt;');
      expect(blockKitProblems(redeemedMessage({ ...m, accountName: '<'.repeat(80) }))).toEqual([]);
    }
  });

  it('never shows more than the last 4 characters', () => {
    const message = redeemedMessage({ ...balance, last4: 'BAL-0123-4567-89AB-CDEF-G' });
    expect(everything(message)).not.toMatch(FULL_CODE);
    expect(message.text).toContain('…DEFG');
  });
});

describe('redemptionNotice', () => {
  it('tells the billing channel who redeemed what', () => {
    const message = redemptionNotice(balance);
    expect(message.text).toBe('<@U0ADMIN1> redeemed code …ABCD: $500.00 added. Balance: $1,500.00.');
    expect(blockTexts(message.blocks ?? [])).toBe(
      '<@U0ADMIN1> redeemed code …ABCD: *$500.00* added. Balance: *$1,500.00*.',
    );
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('tells about a license pack', () => {
    const message = redemptionNotice(pack);
    expect(message.text).toBe(
      '<@U0ADMIN1> redeemed license pack …WXYZ: 50 devices covered from November 2026 through October 2027 ' +
        '(12 months). Those devices are not charged to the balance.',
    );
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('shows a non-user actor as plain text and never a full code', () => {
    const message = redemptionNotice({ ...pack, by: '<!channel>', last4: '0123456789ABCDEFG' });
    expect(everything(message)).not.toMatch(DANGEROUS);
    const cut = redemptionNotice({ ...balance, by: `@everyone ${'x'.repeat(100)}` });
    expect(everything(cut)).not.toMatch(DANGEROUS);
    expect(everything(message)).not.toMatch(FULL_CODE);
  });
});
