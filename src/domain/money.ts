// Money is an integer count of minor units (bigint). Formatting and parsing go through exact decimal strings,
// never through floats, so no amount is ever rounded by accident.

import { Remembered } from './remembered.js';

export type ParsedAmount = { ok: true; cents: bigint } | { ok: false; error: string };
export type ParsedWholeNumber = { ok: true; value: number } | { ok: false; error: string };
export type WholeNumberRule = { min: number; max: number; what: string };

/** Amount limits for a 2-decimal currency; `amountLimits` scales them for others. */
export const MIN_AMOUNT_CENTS = 100n;
export const MAX_AMOUNT_CENTS = 1_000_000_000n;

export const DEVICES = { min: 1, max: 1_000_000, what: 'devices' } as const satisfies WholeNumberRule;
export const MONTHS = { min: 1, max: 120, what: 'months' } as const satisfies WholeNumberRule;

const MAX_AMOUNT_INPUT = 40;
const MAX_WHOLE_NUMBER_INPUT = 12;
const DESCRIBE_LIMIT = 40;
// C0/C1 controls, invisible format characters (bidi overrides, zero-width) and line/paragraph separators.
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const CONTROL_ALL = new RegExp(CONTROL.source, 'gu');
// Plain digits, or digits in correct groups of three; `\d` without the u flag is ASCII only.
const DIGITS = /^(?:\d+|[1-9]\d{0,2}(?:,\d{3})+)$/;
const AMOUNT = /^(\d+|[1-9]\d{0,2}(?:,\d{3})+)(?:\.(\d+))?$/;

const currencyFormatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(currency: string): Intl.NumberFormat {
  let formatter = currencyFormatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    currencyFormatters.set(currency, formatter);
  }
  return formatter;
}

// What a currency's formatter says of it, asked once per currency: `resolvedOptions` and `formatToParts` build
// fresh objects on every call, and every amount shown asks.
const digitsOf = new Map<string, number>();
const symbolOf = new Map<string, string>();

/** How many minor digits the currency has: USD 2, JPY 0, BHD 3. */
export function minorDigits(currency: string): number {
  let digits = digitsOf.get(currency);
  if (digits === undefined) {
    digits = currencyFormatter(currency).resolvedOptions().maximumFractionDigits ?? 2;
    digitsOf.set(currency, digits);
  }
  return digits;
}

export function currencySymbol(currency: string): string {
  let symbol = symbolOf.get(currency);
  if (symbol === undefined) {
    const part = currencyFormatter(currency)
      .formatToParts(1)
      .find((p) => p.type === 'currency');
    symbol = part?.value ?? currency;
    symbolOf.set(currency, symbol);
  }
  return symbol;
}

/** The smallest and largest amount a user may enter: 1 to 10,000,000 major units. */
export function amountLimits(currency: string): { min: bigint; max: bigint } {
  const scale = 10n ** BigInt(minorDigits(currency));
  return { min: (MIN_AMOUNT_CENTS * scale) / 100n, max: (MAX_AMOUNT_CENTS * scale) / 100n };
}

// An answer shows the same few amounts (a balance, a price, a monthly cost) many times: each is formatted once.
const formatted = new Remembered<string>(4_096);

export function formatMoney(amount: bigint, currency: string): string {
  return formatted.of(`${currency}${amount}`, () =>
    currencyFormatter(currency).format(toDecimalString(amount, minorDigits(currency))),
  );
}

/** Exact decimal text of an amount in its currency, for files and APIs: 1152000n USD → "11520.00". */
export function decimalAmount(amount: bigint, currency: string): string {
  return toDecimalString(amount, minorDigits(currency));
}

/** Exact decimal text for minor units, e.g. 1152000n with 2 digits → "11520.00", -510n → "-5.10". */
function toDecimalString(amount: bigint, digits: number): `${number}` {
  const sign = amount < 0n ? '-' : '';
  const text = (amount < 0n ? -amount : amount).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${sign}${whole}${fraction}` as `${number}`;
}

/** Parses a user-typed amount like `1200`, `1200.5` or `$1,200.50` into minor units, within the limits. */
export function parseAmount(text: string, currency: string): ParsedAmount {
  const usage = `use digits like ${amountExample(currency)}`;
  const fail = (error: string): ParsedAmount => ({ ok: false, error });
  const shown = `"${describeInput(text.trim())}"`;
  if (text.length > MAX_AMOUNT_INPUT) return fail(`${shown} is too long for an amount — ${usage}`);
  const trimmed = text.trim();
  if (trimmed === '') return fail(`enter an amount — ${usage}`);
  if (CONTROL.test(trimmed)) return fail(`${shown} contains control characters — ${usage}`);

  const number = withoutSymbol(trimmed, currencySymbol(currency));
  if (/^[-−]/.test(number) || /^[-−]/.test(trimmed)) return fail(`${shown} is negative — ${usage}`);
  const match = AMOUNT.exec(number);
  if (!match) return fail(`${shown} is not an amount — ${usage}`);

  const digits = minorDigits(currency);
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > digits) {
    const allowed = digits === 0 ? `${currency} amounts have no decimals` : `at most ${digits} decimals`;
    return fail(`${shown} has too many decimals — ${allowed}`);
  }
  const cents = BigInt(whole.replaceAll(',', '') + fraction.padEnd(digits, '0'));
  const breach = amountLimitBreach(cents, currency);
  if (breach) return fail(`${breach.rule} (${shown} is ${breach.side === 'below' ? 'less' : 'more'})`);
  return { ok: true, cents };
}

export interface AmountLimitBreach {
  side: 'below' | 'above';
  /** The limit in words: "amounts go up to $10,000,000.00". */
  rule: string;
}

/**
 * The one amount rule (SPEC §4, §11): a typed amount, a reload, a quote, a code and an adjustment are all within
 * 1.00–10,000,000.00 (`amountLimits`). Returns which limit an amount passes, or undefined when it is within them.
 */
export function amountLimitBreach(cents: bigint, currency: string): AmountLimitBreach | undefined {
  const { min, max } = amountLimits(currency);
  if (cents < min) return { side: 'below', rule: `amounts start at ${formatMoney(min, currency)}` };
  if (cents > max) return { side: 'above', rule: `amounts go up to ${formatMoney(max, currency)}` };
  return undefined;
}

function withoutSymbol(text: string, symbol: string): string {
  return text.startsWith(symbol) ? text.slice(symbol.length).trimStart() : text;
}

/** "1200 or $1,200.50" in the currency's own shape (JPY: "1200 or ¥1,200"). */
function amountExample(currency: string): string {
  const digits = minorDigits(currency);
  const example = 1200n * 10n ** BigInt(digits) + (digits > 0 ? 5n * 10n ** BigInt(digits - 1) : 0n);
  return `1200 or ${formatMoney(example, currency)}`;
}

/** Parses a whole number such as a device count: digits (thousands commas allowed), within [min, max]. */
export function parseWholeNumber(text: string, { min, max, what }: WholeNumberRule): ParsedWholeNumber {
  const range = `${what} must be a whole number from ${groupDigits(min)} to ${groupDigits(max)}`;
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: range };
  const fail: ParsedWholeNumber = { ok: false, error: `${range} ("${describeInput(trimmed)}" is not)` };
  if (trimmed.length > MAX_WHOLE_NUMBER_INPUT || !DIGITS.test(trimmed)) return fail;
  // Compare as bigint so a 12-digit input can never be rounded into range.
  const value = BigInt(trimmed.replaceAll(',', ''));
  if (value < BigInt(min) || value > BigInt(max)) return fail;
  return { ok: true, value: Number(value) };
}

const grouping = new Intl.NumberFormat('en-US');

/** `1,000,000` (one formatter for the process: building one per call is slow). */
export function groupDigits(n: number | bigint): string {
  return grouped.of(Object.is(n, -0) ? '-0' : String(n), () => grouping.format(n)); // Intl shows -0 as "-0"
}

const grouped = new Remembered<string>(4_096);

/**
 * User input made short enough to echo in an answer: at most 40 characters (ending in "…" when cut), control
 * characters shown as "?". Markup is the door's business: every renderer escapes the text it is given, so an
 * echoed `<!channel>` or `@here` pings nobody (test/faults/bad-input.property.test.ts).
 */
export function describeInput(text: string): string {
  const chars = Array.from(text); // by code point, so an emoji is never cut in half
  const cut = chars.length > DESCRIBE_LIMIT ? `${chars.slice(0, DESCRIBE_LIMIT - 1).join('')}…` : text;
  return cut.replace(CONTROL_ALL, '?');
}
