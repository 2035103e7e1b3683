// Shared pieces of the Block Kit builders: money, dates, safe user text and size-bounded blocks.
// Everything here is pure; nothing reads the clock or the database.

import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import type { Format } from '../../app/views.js';
import { localDate, localTime, monthStart } from '../../domain/billing-month.js';
import { formatMoney, groupDigits } from '../../domain/money.js';
import { Remembered } from '../../domain/remembered.js';
import { BLOCK_KIT } from './block-kit-limits.js';

const DAY_MS = 86_400_000;
const ELLIPSIS = '…';
// C0/C1 controls, invisible format characters and line/paragraph separators: never shown raw.
const CONTROL_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
// An entity already escaped, or one character (a whole code point).
const TOKEN = /&(?:amp|lt|gt);|[\s\S]/gu;
const USER_ID = /^[UW][A-Z0-9]{2,20}$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A Slack message: Block Kit, and the plain-text fallback (notifications, screen readers, the shell). */
export interface Message {
  text: string;
  blocks?: KnownBlock[];
}

// ─── money and numbers ──────────────────────────────────────────────────────────────────────────────────

/** `$11,520.00` in the deployment's currency. */
export function money(cents: bigint, format: Format): string {
  return formatMoney(cents, format.currency);
}

/** `+$100.00` for a credit, `−$5.10` (a real minus sign) for a debit. */
export function signedMoney(cents: bigint, format: Format): string {
  if (cents < 0n) return `−${money(-cents, format)}`;
  return `+${money(cents, format)}`;
}

/** `1,000,000`. */
export function count(n: number): string {
  return groupDigits(n);
}

/** `1 device`, `120 devices`, `1,000,000 devices`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export function devicesText(n: number): string {
  return plural(n, 'device');
}

export function monthsText(n: number): string {
  return plural(n, 'month');
}

// ─── dates ─────────────────────────────────────────────────────────────────────────────────────────────

/** Slack date styles; `date_time` shows the short date and the time of day. */
export type DateStyle = 'date_short_pretty' | 'date_short' | 'date_pretty' | 'date_long_pretty' | 'date_time';

/**
 * A `<!date>` token, shown in each reader's own time zone; its fallback is the date in the billing time zone.
 * `date` is an instant, or a local calendar date (`YYYY-MM-DD`) in the billing time zone, such as a runway's end.
 */
export function slackDate(
  date: Date | string,
  format: Format,
  style: DateStyle = 'date_short_pretty',
): string {
  const instant = typeof date === 'string' ? middayOf(date, format.timeZone) : date;
  const unix = Math.floor(instant.getTime() / 1000);
  const token = style === 'date_time' ? '{date_short_pretty} {time}' : `{${style}}`;
  return `<!date^${unix}^${token}|${plainDate(date, format, style)}>`;
}

/** The plain-text twin of `slackDate` for a message's `text`: `2026-12-26` (or `2026-12-26 14:05`). */
export function plainDate(
  date: Date | string,
  format: Format,
  style: DateStyle = 'date_short_pretty',
): string {
  if (typeof date === 'string') return date;
  const day = localDate(date, format.timeZone);
  return style === 'date_time' ? `${day} ${localTime(date, format.timeZone)}` : day;
}

/** `December 2026` for the billing month `2026-12`. */
export function monthName(month: string): string {
  return monthNames.of(month, () => {
    const match = MONTH.exec(month);
    if (!match) return month;
    return monthFormatter.format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)));
  });
}

const monthNames = new Remembered<string>(1_024);
const monthFormatter = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'long', year: 'numeric' });

/** An instant near the middle of a local date (12:00 ± a DST hour), so the token lands on that very day. */
function middayOf(date: string, timeZone: string): Date {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const start = monthStart(`${match[1]}-${match[2]}`, timeZone).getTime();
  return new Date(start + (Number(match[3]) - 1) * DAY_MS + DAY_MS / 2);
}

// ─── safe text ─────────────────────────────────────────────────────────────────────────────────────────

/** `@here`, `@channel`, `@everyone` stay readable but cannot notify (a word joiner after the @). */
function breakBroadcasts(text: string): string {
  return text.replace(/@(?=(?:here|channel|everyone)\b)/giu, '@\u2060');
}

/**
 * Makes text safe inside mrkdwn (and a message's `text`, which Slack parses the same way): `&`, `<` and `>`
 * become entities, so `<!channel>`, `<@U123>` or `<https://x|y>` stay plain characters, and `@here`,
 * `@channel`, `@everyone` get an invisible break so they never broadcast. Idempotent: an entity already
 * escaped (`&lt;`) is left alone.
 */
export function escapeMrkdwn(text: string): string {
  return breakBroadcasts(
    text
      .replace(/&(?!(?:amp|lt|gt);)/g, '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;'),
  );
}

/** Control characters and line breaks become spaces: for names and memos shown on one line. */
export function oneLine(text: string): string {
  return text.replace(CONTROL_ALL, ' ');
}

/** Cuts text to at most `max` UTF-16 units, ending in `…` when cut, never splitting a character. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - ELLIPSIS.length) break;
    out += char;
  }
  return out + ELLIPSIS;
}

/**
 * User text for mrkdwn on one line: escaped, and at most `max` characters once escaped (cut on a whole
 * character, never inside an entity, ending in `…`).
 */
export function userText(text: string, max: number): string {
  const escaped = escapeMrkdwn(oneLine(text));
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const token of oneLine(text).match(TOKEN) ?? []) {
    const piece = escapeMrkdwn(token);
    if (out.length + piece.length > max - ELLIPSIS.length) break;
    out += piece;
  }
  // Escaped a character at a time, `@here` was never seen whole: break broadcasts on the result.
  return breakBroadcasts(out) + ELLIPSIS;
}

/**
 * User text for a plain_text object (headers, options, buttons): one line, at most `max` characters. Slack
 * does not parse plain_text, and entities would show literally there, so instead of escaping, an invisible word
 * joiner breaks anything that looks like a mention, a link or a broadcast (`<\u2060!channel>`, `@\u2060here`).
 */
export function plainUserText(text: string, max: number): string {
  const clean = breakBroadcasts(
    oneLine(text)
      .trim()
      .replace(/<(?=[!@#]|[a-z][a-z0-9+.-]*:)/gi, '<\u2060'),
  );
  return truncate(clean === '' ? '(unnamed)' : clean, max);
}

/** `<@U123>` for a real Slack user id; anything else (`system`, a provider event id) as escaped plain text. */
export function userMention(id: string): string {
  return isUserId(id) ? `<@${id}>` : userText(id, 60);
}

export function isUserId(id: string): boolean {
  return USER_ID.test(id);
}

/** `/balance estimate …`: a usage line with the slash command in front when it is missing. */
export function commandUsage(usage: string, slashCommand: string): string {
  const trimmed = usage.trim();
  return trimmed.startsWith('/') ? trimmed : `${slashCommand} ${trimmed}`.trim();
}

// ─── blocks ────────────────────────────────────────────────────────────────────────────────────────────

export function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text };
}

export function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

/** A header with plain text (user text is not parsed there), cut to the header limit. */
export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(plainUserText(text, BLOCK_KIT.headerText)) };
}

/** A mrkdwn section; text over the limit is cut (callers split long content with `linesToSections`). */
export function section(text: string, blockId?: string): SectionBlock {
  const block: SectionBlock = { type: 'section', text: mrkdwn(truncate(text, BLOCK_KIT.sectionText)) };
  if (blockId) block.block_id = blockId;
  return block;
}

/** A section of up to 10 mrkdwn fields (`*Label*\nvalue`), each cut to the field limit. */
export function fieldsSection(fields: Array<[label: string, value: string]>): SectionBlock {
  return {
    type: 'section',
    fields: fields
      .slice(0, BLOCK_KIT.sectionFields)
      .map(([label, value]) => mrkdwn(truncate(`*${label}*\n${value}`, BLOCK_KIT.fieldText))),
  };
}

export function context(text: string): ContextBlock {
  return { type: 'context', elements: [mrkdwn(truncate(text, BLOCK_KIT.sectionText))] };
}

export function divider(): KnownBlock {
  return { type: 'divider' };
}

export function button(text: string, actionId: string, value?: string, style?: 'primary' | 'danger'): Button {
  const b: Button = {
    type: 'button',
    text: plain(truncate(text, BLOCK_KIT.buttonText)),
    action_id: actionId,
  };
  if (value !== undefined) b.value = value;
  if (style) b.style = style;
  return b;
}

export function actions(elements: Button[], blockId?: string): ActionsBlock {
  const block: ActionsBlock = { type: 'actions', elements: elements.slice(0, 25) };
  if (blockId) block.block_id = blockId;
  return block;
}

/**
 * Packs lines into as few sections as fit: each section's text stays within `max` characters; a line longer
 * than that is cut.
 */
export function linesToSections(lines: string[], max: number = BLOCK_KIT.sectionText): SectionBlock[] {
  const sections: SectionBlock[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (current !== '' && current.length + 1 + line.length > max) {
      sections.push(section(current));
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') sections.push(section(current));
  return sections;
}

/** A message's `text`: the lines joined, within Slack's limit. */
export function fallbackText(lines: string[]): string {
  const text = lines.join('\n').trim();
  return truncate(text === '' ? 'Balance' : text, BLOCK_KIT.text);
}

/**
 * The mrkdwn of blocks, turned into the `text` twin: date tokens become their fallback, bold markers go.
 * Used where a builder's lines are written once for both.
 */
export function toPlain(mrkdwnText: string): string {
  return mrkdwnText
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1$2');
}
