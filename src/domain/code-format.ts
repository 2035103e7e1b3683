// Balance codes and license-pack codes (SPEC §6): `BAL-XXXX-XXXX-XXXX-XXXX-C` / `LP-XXXX-XXXX-XXXX-XXXX-C`.
// 16 Crockford base-32 data characters (80 random bits) and one check character from the same alphabet.
//
// The check character works in GF(32) = GF(2)[x]/(x^5 + x^2 + 1). Each character is the field element given by
// its index in the alphabet, and α (the class of x) is primitive, so α^0 … α^16 are 17 distinct non-zero weights.
// The check c = x_16 is chosen so that Σ_{i=0..16} α^i·x_i = 0 (field addition is XOR). Then:
//   - a substitution at position i by a difference d ≠ 0 changes the sum by α^i·d ≠ 0;
//   - swapping neighbours a ≠ b at i, i+1 (the last data character and the check included) changes it by
//     α^i·(a ⊕ b)·(1 ⊕ α) ≠ 0, as α ≠ 1.
// A field has no zero divisors, so every such error leaves a non-zero sum and is reported as mistyped.
import { createHmac, randomBytes as cryptoRandomBytes } from 'node:crypto';

export type CodeKind = 'balance' | 'license_pack';

export type ParsedCode =
  | {
      ok: true;
      /** `null` when no prefix was typed. */
      kind: CodeKind | null;
      /** The 16 canonical data characters: what `codeHash` takes. */
      body: string;
      /** The canonical check character. */
      check: string;
      /** The last 4 displayed characters (hyphens excluded): data[13..15] + check. */
      last4: string;
    }
  | { ok: false; reason: 'mistyped' | 'malformed' };

export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_PREFIX: Readonly<Record<CodeKind, string>> = { balance: 'BAL', license_pack: 'LP' };
export const DATA_LENGTH = 16;
export const BODY_LENGTH = 17;
/** Longer input is malformed without further work. */
export const MAX_CODE_INPUT = 80;

const FIELD_ORDER = 31; // multiplicative group of GF(32)
const PRIMITIVE_POLY = 0b100101; // x^5 + x^2 + 1

// EXP[i] = α^i for i in 0..61 (doubled so that log sums need no reduction); LOG[EXP[i]] = i for i < 31.
const EXP: number[] = new Array<number>(2 * FIELD_ORDER);
const LOG: number[] = new Array<number>(32).fill(-1);
{
  let x = 1;
  for (let i = 0; i < 2 * FIELD_ORDER; i++) {
    EXP[i] = x;
    if (i < FIELD_ORDER) LOG[x] = i;
    x <<= 1;
    if (x & 0b100000) x ^= PRIMITIVE_POLY;
  }
}

const INDEX: ReadonlyMap<string, number> = new Map([...CODE_ALPHABET].map((ch, i) => [ch, i]));
// Separators ignored on input: whitespace, hyphens and dashes, underscores, dots.
const SEPARATORS = /[\s\-‐‑‒–—―−_.]/gu;
const LENIENT: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };

/** α^i · v in GF(32), v a field element (0..31). */
function weighted(i: number, v: number): number {
  return v === 0 ? 0 : EXP[(i + LOG[v]!) % FIELD_ORDER]!;
}

function syndrome(indices: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < indices.length; i++) sum ^= weighted(i, indices[i]!);
  return sum;
}

function indicesOf(text: string): number[] | null {
  const out: number[] = [];
  for (const ch of text) {
    const i = INDEX.get(ch);
    if (i === undefined) return null;
    out.push(i);
  }
  return out;
}

function requireCanonical(text: string, length: number, what: string): number[] {
  const indices = text.length === length ? indicesOf(text) : null;
  if (!indices) throw new RangeError(`${what} must be ${length} characters of the code alphabet`);
  return indices;
}

/** The check character for 16 canonical data characters. */
export function checkCharacter(data16: string): string {
  const s = syndrome(requireCanonical(data16, DATA_LENGTH, 'code data'));
  // α^16 · c = s  ⇒  c = s · α^-16
  const c = s === 0 ? 0 : EXP[(LOG[s]! - DATA_LENGTH + FIELD_ORDER) % FIELD_ORDER]!;
  return CODE_ALPHABET[c]!;
}

/** Whether 17 canonical characters (data + check) satisfy the check. */
export function isValidBody(body17: string): boolean {
  const indices = body17.length === BODY_LENGTH ? indicesOf(body17) : null;
  return indices !== null && syndrome(indices) === 0;
}

/**
 * `length` random Crockford characters, 5 bits each from `randomBytes` (no modulo bias): the one generator of codes,
 * API tokens and payment ids. The source is a parameter so the domain stays pure and tests can fix the bytes.
 */
export function randomBase32(
  length: number,
  randomBytes: (size: number) => Uint8Array = cryptoRandomBytes,
): string {
  const size = Math.ceil((length * 5) / 8);
  const bytes = randomBytes(size);
  if (bytes.length !== size) throw new RangeError(`randomBytes must return ${size} bytes`);
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xfff; // never more than 12 bits are pending
    bits += 8;
    while (bits >= 5 && out.length < length) {
      bits -= 5;
      out += CODE_ALPHABET[(acc >> bits) & 31];
    }
  }
  return out;
}

/** A new code in display form, from 80 bits of `randomBytes(10)`. */
export function generateCode(
  kind: CodeKind,
  randomBytes: (size: number) => Uint8Array = cryptoRandomBytes,
): string {
  const data = randomBase32(BODY_LENGTH - 1, randomBytes);
  return formatCode(kind, data + checkCharacter(data));
}

/** Display form of 17 canonical characters: `BAL-XXXX-XXXX-XXXX-XXXX-C`. Does not verify the check. */
export function formatCode(kind: CodeKind, body17: string): string {
  requireCanonical(body17, BODY_LENGTH, 'code body');
  const groups = [0, 4, 8, 12].map((start) => body17.slice(start, start + 4));
  return [CODE_PREFIX[kind], ...groups, body17.slice(16)].join('-');
}

/** The last 4 displayed characters of a code (hyphens excluded): data[13..15] + check. */
export function last4Of(body17: string): string {
  requireCanonical(body17, BODY_LENGTH, 'code body');
  return body17.slice(BODY_LENGTH - 4);
}

/**
 * The last 4 characters of a code as someone types them to name it (`codes void 7k3m`), read leniently like a code;
 * null when they cannot be the end of one.
 */
export function parseLast4(input: string): string | null {
  const text = compact(input);
  if (text === null || text.length !== 4) return null;
  const read = text.replace(/[OIL]/g, (ch) => LENIENT[ch]!);
  return indicesOf(read) ? read : null;
}

/** Upper-cased (ASCII only) with separators removed; null when too long. */
function compact(input: string): string | null {
  if (input.length > MAX_CODE_INPUT) return null;
  return input.replace(SEPARATORS, '').replace(/[a-z]+/g, (s) => s.toUpperCase());
}

/**
 * Lenient reading: case, whitespace, hyphens/dashes, underscores and dots do not matter; O reads as 0, I and L
 * as 1; an optional `BAL`/`LP` prefix (recognised before L→1, and only when 17 characters follow it).
 */
export function parseCode(input: string): ParsedCode {
  const text = compact(input);
  if (text === null) return { ok: false, reason: 'malformed' };
  let kind: CodeKind | null = null;
  let rest = text;
  for (const k of ['balance', 'license_pack'] as const) {
    const prefix = CODE_PREFIX[k];
    if (text.length === prefix.length + BODY_LENGTH && text.startsWith(prefix)) {
      kind = k;
      rest = text.slice(prefix.length);
      break;
    }
  }
  if (rest.length !== BODY_LENGTH) return { ok: false, reason: 'malformed' };
  const body17 = rest.replace(/[OIL]/g, (ch) => LENIENT[ch]!);
  const indices = indicesOf(body17);
  if (!indices) return { ok: false, reason: 'malformed' };
  if (syndrome(indices) !== 0) return { ok: false, reason: 'mistyped' };
  return {
    ok: true,
    kind,
    body: body17.slice(0, DATA_LENGTH),
    check: body17.slice(DATA_LENGTH),
    last4: body17.slice(BODY_LENGTH - 4),
  };
}

/** Hex HMAC-SHA-256 of the 16 canonical data characters (no prefix, no check), keyed with `secret`. */
export function codeHash(secret: string, body16: string): string {
  requireCanonical(body16, DATA_LENGTH, 'code data');
  return createHmac('sha256', secret).update(body16, 'utf8').digest('hex');
}
