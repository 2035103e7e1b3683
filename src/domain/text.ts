// The one rule for text people name things with and that is stored and shown back: account and plan names, notes
// on codes, quote customers, adjustment reasons, API token names (SPEC §11).

/**
 * Every Unicode "other" character (`\p{C}`: controls, format characters such as the right-to-left override and
 * zero-width spaces, surrogates, private use, unassigned) and the line and paragraph separators: what would make a
 * stored name read differently from what it holds.
 */
const NOT_PLAIN = /[\p{C}\p{Zl}\p{Zp}]/u;

export interface PlainTextRule {
  /** How the refusal names the field, as the subject of a sentence: "An account name". */
  what: string;
  /** The most characters (code points, so an emoji counts once). */
  max: number;
}

export type CheckedText = { ok: true; text: string } | { ok: false; error: string };

/** Trimmed, 1–`max` characters, none of them control, format or line-separator characters. */
export function checkPlainText(raw: string, rule: PlainTextRule): CheckedText {
  const text = raw.trim();
  const length = [...text].length;
  if (length === 0 || length > rule.max || NOT_PLAIN.test(text)) {
    return {
      ok: false,
      error: `${rule.what} is 1–${rule.max} characters of plain text (no control or invisible characters).`,
    };
  }
  return { ok: true, text };
}
