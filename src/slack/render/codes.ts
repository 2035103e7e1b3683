import type { KnownBlock } from '@slack/types';
import {
  type CodeListModel,
  type Format,
  type IssuedCodesModel,
  MAX_CODE_LIST,
  type QuoteCodeThreadModel,
  type VoidedModel,
} from '../../app/views.js';
import { BLOCK_KIT } from './block-kit-limits.js';
import type { Message } from './mrkdwn-text.js';
import {
  context,
  count,
  devicesText,
  escapeMrkdwn,
  fallbackText,
  header,
  linesToSections,
  money,
  monthsText,
  oneLine,
  plural,
  section,
  slackDate,
  toPlain,
  userMention,
  userText,
} from './mrkdwn-text.js';

/** How much of a note the issue message shows, once escaped. */
export const ISSUED_NOTE_CHARS = 500;
/** How much of a note one line of the list shows, once escaped (100 lines must fit one message). */
export const LIST_NOTE_CHARS = 100;
/** How much of an account name one line of the list shows, once escaped. */
export const LIST_ACCOUNT_CHARS = 80;
/** Full codes per code block: 100 × 26 characters stay well inside a section's 3,000. */
const CODES_PER_SECTION = 100;

export const SHOWN_ONCE = 'Shown once — copy them now; Balance keeps only their last 4 characters.';

/** `…ABCD`: never more than the last 4 letters and digits of what it is given. */
export function codeTail(last4: string): string {
  // Separators (`-`, spaces) are not characters of a code; anything else unexpected is dropped too.
  return `…${last4.replace(/[^0-9A-Za-z]/g, '').slice(-4)}`;
}

/** A quote number (`Q-2026-0001`) as safe mrkdwn. */
function quoteText(number: string): string {
  return userText(number, 40);
}

/** The private answer to `codes issue …` (and Issue code for a quote): the full codes, shown this once. */
export function issuedCodesMessage(m: IssuedCodesModel): Message {
  const { format } = m;
  const n = m.codes.length;
  const what = n === 1 ? 'balance code' : 'balance codes';
  const forQuote = m.quoteNumber === null ? '' : ` for *${quoteText(m.quoteNumber)}*`;
  const title = `Issued ${count(n)} ${what} of *${money(m.amountCents, format)}*${forQuote}.`;
  const expiry =
    m.expiresAt === null ? 'No expiry.' : `Valid through ${slackDate(lastValidDay(m.expiresAt), format)}.`;
  const note =
    m.note === null || m.note.trim() === '' ? null : `Note: ${userText(m.note, ISSUED_NOTE_CHARS)}`;
  const summary = [title, expiry, ...(note === null ? [] : [note])];

  const blocks: KnownBlock[] = [section(summary.join('\n'))];
  const text = summary.map(toPlain);

  if (m.file === null) {
    const codes = m.codes.map((c) => escapeMrkdwn(oneLine(c.code).trim()));
    for (let i = 0; i < codes.length; i += CODES_PER_SECTION) {
      blocks.push(section(`\`\`\`${codes.slice(i, i + CODES_PER_SECTION).join('\n')}\`\`\``));
    }
    blocks.push(context(`⚠️ ${SHOWN_ONCE}`));
    text.push(...codes, SHOWN_ONCE);
  } else {
    const name = userText(m.file.name, 200);
    const where = userText(m.file.where, 500);
    const line =
      n === 1 ? `The code is in *${name}* ${where}.` : `The ${count(n)} codes are in *${name}* ${where}.`;
    blocks.push(section(line));
    text.push(toPlain(line));
  }
  return { text: fallbackText(text), blocks: blocks.slice(0, BLOCK_KIT.messageBlocks) };
}

type ListedCode = CodeListModel['codes'][number];

const FILTER_EMPTY: Record<NonNullable<CodeListModel['filter']>, string> = {
  open: 'No open codes.',
  redeemed: 'No redeemed codes.',
  void: 'No void codes.',
};

/** The answer to `codes list [open|redeemed|void]`: one line per code, last 4 characters only. */
export function codeListMessage(m: CodeListModel): Message {
  const title = m.filter === null ? 'Codes' : `Codes — ${m.filter}`;
  const shown = m.codes.slice(0, MAX_CODE_LIST);
  const blocks: KnownBlock[] = [header(title)];
  const text = [title];

  if (shown.length === 0) {
    const empty = m.filter === null ? 'No codes yet.' : FILTER_EMPTY[m.filter];
    blocks.push(section(empty));
    text.push(empty);
    return { text: fallbackText(text), blocks };
  }

  const lines = shown.map((c) => codeLine(c, m.format, m.now));
  const more =
    m.codes.length > shown.length
      ? `Showing ${count(shown.length)} of ${plural(m.codes.length, 'code')}.`
      : `${plural(shown.length, 'code')}.`;
  // One header and one context leave 48 blocks for the lines.
  blocks.push(...linesToSections(lines).slice(0, BLOCK_KIT.messageBlocks - 2), context(more));
  text.push(...lines.map(toPlain), more);
  return { text: fallbackText(text), blocks };
}

/** `` `…ABCD` · balance *$500.00* · open · issued <date> · expires <date> · note `` */
export function codeLine(c: ListedCode, format: Format, now: Date): string {
  const parts = [`\`${codeTail(c.last4)}\``, kindText(c, format), statusText(c, format, now)];
  parts.push(`issued ${slackDate(c.issuedAt, format)}`);
  if (c.status === 'issued' && c.expiresAt !== null && c.expiresAt.getTime() > now.getTime()) {
    parts.push(`valid through ${slackDate(lastValidDay(c.expiresAt), format)}`);
  }
  if (c.note !== null && c.note.trim() !== '') parts.push(userText(c.note.trim(), LIST_NOTE_CHARS));
  return parts.join(' · ');
}

function kindText(c: ListedCode, format: Format): string {
  if (c.kind === 'balance') {
    return c.amountCents === null ? 'balance' : `balance *${money(c.amountCents, format)}*`;
  }
  const size =
    c.devices !== null && c.months !== null
      ? ` ${devicesText(c.devices)} × ${monthsText(c.months)}`
      : c.devices !== null
        ? ` ${devicesText(c.devices)}`
        : '';
  return `license pack${size}`;
}

function statusText(c: ListedCode, format: Format, now: Date): string {
  switch (c.status) {
    case 'void':
      return 'void';
    case 'redeemed': {
      let s = 'redeemed';
      if (c.redeemedBy !== null && c.redeemedBy.trim() !== '') s += ` by ${userMention(c.redeemedBy)}`;
      if (c.accountName !== null) s += ` for *${userText(c.accountName, LIST_ACCOUNT_CHARS)}*`;
      if (c.redeemedAt !== null) s += ` on ${slackDate(c.redeemedAt, format)}`;
      return s;
    }
    default:
      if (c.expiresAt !== null && c.expiresAt.getTime() <= now.getTime()) {
        return `expired after ${slackDate(lastValidDay(c.expiresAt), format)}`;
      }
      return 'open';
  }
}

/** Posted in the quote's thread for everyone: which code paid for it, by its last 4 characters only. */
export function quoteCodeThreadMessage(input: QuoteCodeThreadModel): Message {
  const line =
    `Balance code ${codeTail(input.last4)} for *${money(input.amountCents, input.format)}* issued for ` +
    `${quoteText(input.quoteNumber)} by ${userMention(input.by)}.`;
  return { text: fallbackText([toPlain(line)]), blocks: [section(line)] };
}

/** The answer to `codes void …`. */
export function voidedMessage(input: VoidedModel): Message {
  const amount = input.amountCents === null ? '' : ` (${money(input.amountCents, input.format)})`;
  const line = `Voided code ${codeTail(input.last4)}${amount}. It can no longer be redeemed.`;
  return { text: fallbackText([line]), blocks: [section(line)] };
}

/** A code expires at the first instant it is no longer valid; people read the last day it still is. */
function lastValidDay(expiresAt: Date): Date {
  return new Date(expiresAt.getTime() - 1);
}
