import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPlainText } from '../../src/domain/text.js';

const RULE = { what: 'A name', max: 10 };

describe('the plain-text rule for names, notes and reasons', () => {
  it('keeps ordinary text, trimmed, and counts an emoji once', () => {
    expect(checkPlainText('  Acme Corp ', RULE)).toEqual({ ok: true, text: 'Acme Corp' });
    expect(checkPlainText('Café 🙂', RULE)).toEqual({ ok: true, text: 'Café 🙂' });
    expect(checkPlainText('🙂'.repeat(10), RULE).ok).toBe(true);
    expect(checkPlainText('🙂'.repeat(11), RULE).ok).toBe(false);
  });

  it.each([
    ['empty', '   '],
    ['a NUL byte', 'Ac\u0000me'],
    ['a bell (Cc)', 'Ac\u0007me'],
    ['a C1 control', 'Ac\u0085me'],
    ['the right-to-left override (Cf)', 'Ev\u202eil'],
    ['a right-to-left isolate (Cf)', 'Ev\u2067il'],
    ['a zero-width space (Cf)', 'Ac\u200bme'],
    ['a zero-width joiner (Cf)', 'Ac\u200dme'],
    ['a byte-order mark (Cf) inside', 'Ac\ufeffme'],
    ['a soft hyphen (Cf)', 'Ac\u00adme'],
    ['a lone surrogate (Cs)', 'Ac\ud800me'],
    ['a private-use character (Co)', 'Ac\ue000me'],
    ['a line separator', 'Ac\u2028me'],
    ['a paragraph separator', 'Ac\u2029me'],
    ['a tab', 'Ac\tme'],
    ['a line break', 'Ac\nme'],
    ['too long', 'x'.repeat(11)],
  ])('refuses %s, saying what a name may hold', (_what, text) => {
    expect(checkPlainText(text, RULE)).toEqual({
      ok: false,
      error: 'A name is 1–10 characters of plain text (no control or invisible characters).',
    });
  });

  it('never lets a \\p{C} character through, wherever it stands', () => {
    const other = fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp));
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), other, fc.string({ maxLength: 4 }), (before, char, after) => {
        const checked = checkPlainText(`${before}${char}${after}`, { what: 'A name', max: 20 });
        if (checked.ok) expect(checked.text).not.toMatch(/[\p{C}\p{Zl}\p{Zp}]/u);
      }),
    );
  });
});
