import { describe, expect, it } from 'vitest';
import type { CodeListModel, IssuedCodesModel } from '../../../src/app/views.js';
import { formatCode, generateCode } from '../../../src/domain/code-format.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import {
  codeListMessage,
  issuedCodesMessage,
  quoteCodeThreadMessage,
  SHOWN_ONCE,
  voidedMessage,
} from '../../../src/slack/render/codes.js';
import { blockTexts, DANGEROUS, everything, NOW, USD } from './fixtures.js';

const EVIL = '<!channel> @everyone <https://evil.example|x> <@U0EVIL> &';
/** Long enough to be cut: broadcasts must stay dead on that path too. */
const LONG_EVIL = `${EVIL} @here @channel ${'x'.repeat(600)}`;

/** A full code, in display form or as its 17 canonical characters. */
const FULL_CODE = /(?:BAL|LP)-[0-9A-Z]{4}-|[0-9A-HJKMNP-TV-Z]{17}/;

let seed = 1;
function bytes(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed & 0xff;
  });
}

function issuedCodes(n: number): IssuedCodesModel['codes'] {
  return Array.from({ length: n }, () => {
    const code = generateCode('balance', bytes);
    return { code, last4: code.replaceAll('-', '').slice(-4) };
  });
}

const issued: IssuedCodesModel = {
  format: USD,
  amountCents: 50_000n,
  codes: issuedCodes(3),
  expiresAt: new Date('2027-07-01T00:00:00Z'), // valid through June 30
  note: 'Renewal for Globex',
  file: null,
  quoteNumber: null,
};

describe('issuedCodesMessage', () => {
  it('shows the full codes once, in a code block, with the warning', () => {
    const message = issuedCodesMessage(issued);
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('Issued 3 balance codes of *$500.00*.');
    expect(shown).toMatch(/Valid through <!date\^\d+\^\{date_short_pretty\}\|2027-06-30>/);
    expect(shown).toContain('Note: Renewal for Globex');
    expect(shown).toContain(`\`\`\`${issued.codes.map((c) => c.code).join('\n')}\`\`\``);
    expect(shown).toContain(SHOWN_ONCE);
    expect(message.text).toContain('Issued 3 balance codes of $500.00.');
    expect(message.text).toContain('Valid through 2027-06-30.');
    for (const { code } of issued.codes) expect(message.text).toContain(code);
    expect(message.text).toContain('Shown once — copy them now; Balance keeps only their last 4 characters.');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('names the quote, says "no expiry" and the singular', () => {
    const message = issuedCodesMessage({
      ...issued,
      amountCents: 1_152_000n,
      codes: issuedCodes(1),
      expiresAt: null,
      note: null,
      quoteNumber: 'Q-2026-0001',
    });
    expect(message.text).toContain('Issued 1 balance code of $11,520.00 for Q-2026-0001.');
    expect(message.text).toContain('No expiry.');
    expect(message.text).not.toContain('Note:');
  });

  it('lists no code when they went to a file, and says where', () => {
    const codes = issuedCodes(120);
    const message = issuedCodesMessage({
      ...issued,
      codes,
      file: { name: 'balance-codes-2026-12-10.csv', where: 'in your DM with Balance' },
    });
    expect(blockTexts(message.blocks ?? [])).toContain(
      'The 120 codes are in *balance-codes-2026-12-10.csv* in your DM with Balance.',
    );
    expect(message.text).toContain('Issued 120 balance codes of $500.00.');
    expect(message.text).toContain(
      'The 120 codes are in balance-codes-2026-12-10.csv in your DM with Balance.',
    );
    expect(everything(message)).not.toMatch(FULL_CODE);
    expect(everything(message)).not.toContain(SHOWN_ONCE);
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('shows a path for the shell', () => {
    const message = issuedCodesMessage({
      ...issued,
      file: { name: 'codes.csv', where: 'at /tmp/codes.csv' },
    });
    expect(message.text).toContain('The 3 codes are in codes.csv at /tmp/codes.csv.');
  });

  it('escapes the note, the quote number and the file name', () => {
    const message = issuedCodesMessage({ ...issued, note: EVIL, quoteNumber: EVIL });
    expect(everything(message)).not.toMatch(DANGEROUS);
    expect(everything(message)).toContain('&lt;!channel&gt;');
    const inFile = issuedCodesMessage({ ...issued, note: EVIL, file: { name: EVIL, where: EVIL } });
    expect(everything(inFile)).not.toMatch(DANGEROUS);
    const cut = issuedCodesMessage({
      ...issued,
      note: LONG_EVIL,
      quoteNumber: LONG_EVIL,
      file: { name: LONG_EVIL, where: LONG_EVIL },
    });
    expect(everything(cut)).not.toMatch(DANGEROUS);
  });

  it('fits Block Kit with 10 codes and a long note', () => {
    const message = issuedCodesMessage({ ...issued, codes: issuedCodes(10), note: '<&>'.repeat(400) });
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('still fits with 500 codes shown (never sent, but bounded)', () => {
    const message = issuedCodesMessage({ ...issued, codes: issuedCodes(500) });
    expect(blockKitProblems(message)).toEqual([]);
  });
});

type Listed = CodeListModel['codes'][number];

const open: Listed = {
  last4: 'ABCD',
  kind: 'balance',
  amountCents: 50_000n,
  devices: null,
  months: null,
  status: 'issued',
  issuedAt: new Date('2026-12-01T10:00:00Z'),
  expiresAt: new Date('2027-03-02T00:00:00Z'),
  note: 'For Globex',
  redeemedAt: null,
  redeemedBy: null,
  accountName: null,
};

const redeemedPack: Listed = {
  ...open,
  last4: 'WXYZ',
  kind: 'license_pack',
  amountCents: null,
  devices: 50,
  months: 12,
  status: 'redeemed',
  expiresAt: null,
  note: null,
  redeemedAt: new Date('2026-12-05T10:00:00Z'),
  redeemedBy: 'U0ADMIN1',
  accountName: 'Acme',
};

const list = (codes: Listed[], filter: CodeListModel['filter'] = null): CodeListModel => ({
  format: USD,
  filter,
  now: NOW,
  codes,
});

describe('codeListMessage', () => {
  it('shows each code by its last 4, kind, status, dates and note', () => {
    const message = codeListMessage(
      list([
        open,
        redeemedPack,
        { ...open, last4: 'EXP1', expiresAt: new Date('2026-12-10T00:00:00Z') },
        { ...open, last4: 'VOID', status: 'void', amountCents: 2_000n, note: null },
      ]),
    );
    const shown = blockTexts(message.blocks ?? []);
    expect(message.blocks?.[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Codes', emoji: true },
    });
    expect(shown).toMatch(
      /`…ABCD` · balance \*\$500\.00\* · open · issued <!date\^\d+\^\{date_short_pretty\}\|2026-12-01> · valid through <!date\^\d+\^\{date_short_pretty\}\|2027-03-01> · For Globex/,
    );
    expect(shown).toMatch(
      /`…WXYZ` · license pack 50 devices × 12 months · redeemed by <@U0ADMIN1> for \*Acme\* on <!date\^\d+\^\{date_short_pretty\}\|2026-12-05>/,
    );
    expect(message.text).toContain(
      '`…ABCD` · balance $500.00 · open · issued 2026-12-01 · valid through 2027-03-01 · For Globex',
    );
    expect(message.text).toContain(
      '`…WXYZ` · license pack 50 devices × 12 months · redeemed by <@U0ADMIN1> for Acme on 2026-12-05 · issued 2026-12-01',
    );
    expect(message.text).toContain(
      '`…EXP1` · balance $500.00 · expired after 2026-12-09 · issued 2026-12-01',
    );
    expect(message.text).toContain('`…VOID` · balance $20.00 · void · issued 2026-12-01');
    expect(message.text).toContain('4 codes.');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('shows the filter in the header', () => {
    const message = codeListMessage(list([open], 'open'));
    expect(message.text.split('\n')[0]).toBe('Codes — open');
  });

  it('says when there is nothing to list', () => {
    expect(codeListMessage(list([])).text).toContain('No codes yet.');
    expect(codeListMessage(list([], 'open')).text).toContain('No open codes.');
    expect(codeListMessage(list([], 'redeemed')).text).toContain('No redeemed codes.');
    expect(blockKitProblems(codeListMessage(list([], 'void')))).toEqual([]);
  });

  it('never shows more than the last 4 characters', () => {
    const full = formatCode('balance', '0123456789ABCDEFG');
    const message = codeListMessage(
      list([
        { ...open, last4: full },
        { ...redeemedPack, last4: '0123456789ABCDEFG' },
      ]),
    );
    expect(everything(message)).not.toMatch(FULL_CODE);
    expect(message.text).toContain('`…DEFG`');
  });

  it('escapes notes, account names and who redeemed', () => {
    const message = codeListMessage(
      list([
        { ...open, note: EVIL },
        { ...redeemedPack, accountName: EVIL, redeemedBy: '<!here>' },
        { ...open, note: LONG_EVIL },
        { ...redeemedPack, accountName: LONG_EVIL, redeemedBy: LONG_EVIL },
      ]),
    );
    expect(everything(message)).not.toMatch(DANGEROUS);
    expect(everything(message)).toContain('&lt;!channel&gt;');
  });

  it('fits 100 codes with 500-character notes and 80-character account names', () => {
    const codes: Listed[] = Array.from({ length: 100 }, (_, i) => ({
      ...(i % 2 === 0 ? open : redeemedPack),
      last4: String(i).padStart(4, '0'),
      amountCents: i % 2 === 0 ? 1_000_000_000n : null,
      devices: i % 2 === 0 ? null : 1_000_000,
      months: i % 2 === 0 ? null : 120,
      note: `${i} ${'<&>'.repeat(166)}`,
      accountName: i % 2 === 0 ? null : '<'.repeat(80),
      redeemedBy: i % 2 === 0 ? null : 'W0123456789ABCDEFGHIJ',
    }));
    const message = codeListMessage(list(codes));
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.text.length).toBeLessThan(40_000);
    const lines = blockTexts(message.blocks ?? [])
      .split('\n')
      .filter((l) => l.startsWith('`…'));
    expect(lines).toHaveLength(100);
    expect(message.text).toContain('`…0099`');
  });

  it('shows at most 100 codes and says so', () => {
    const codes = Array.from({ length: 130 }, (_, i) => ({ ...open, last4: String(i).padStart(4, '0') }));
    const message = codeListMessage(list(codes));
    expect(message.text).toContain('Showing 100 of 130 codes.');
    expect(message.text).not.toContain('`…0100`');
    expect(blockKitProblems(message)).toEqual([]);
  });
});

describe('quoteCodeThreadMessage', () => {
  it('names the code by its last 4, the amount, the quote and who issued it', () => {
    const message = quoteCodeThreadMessage({
      format: USD,
      quoteNumber: 'Q-2026-0001',
      last4: 'ABCD',
      amountCents: 1_152_000n,
      by: 'U0SALES1',
    });
    expect(message.text).toBe('Balance code …ABCD for $11,520.00 issued for Q-2026-0001 by <@U0SALES1>.');
    expect(blockTexts(message.blocks ?? [])).toBe(
      'Balance code …ABCD for *$11,520.00* issued for Q-2026-0001 by <@U0SALES1>.',
    );
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('never shows a full code, even when given one', () => {
    const message = quoteCodeThreadMessage({
      format: USD,
      quoteNumber: LONG_EVIL,
      last4: formatCode('balance', '0123456789ABCDEFG'),
      amountCents: 100n,
      by: 'U0SALES1',
    });
    expect(everything(message)).not.toMatch(FULL_CODE);
    expect(message.text).toContain('…DEFG');
    expect(message.text.replace('<@U0SALES1>', '')).not.toMatch(DANGEROUS);
  });
});

describe('voidedMessage', () => {
  it('says the code can no longer be redeemed', () => {
    const message = voidedMessage({ last4: 'ABCD', amountCents: 50_000n, format: USD });
    expect(message.text).toBe('Voided code …ABCD ($500.00). It can no longer be redeemed.');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('works without an amount (a license pack)', () => {
    const message = voidedMessage({ last4: 'WXYZ', amountCents: null, format: USD });
    expect(message.text).toBe('Voided code …WXYZ. It can no longer be redeemed.');
  });
});
