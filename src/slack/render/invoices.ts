import type { KnownBlock } from '@slack/types';
import { SLASH_COMMAND } from '../../app/ids.js';
import type { Format, InvoiceListModel, InvoiceModel, RunSummaryModel } from '../../app/views.js';
import { type InvoiceLine, invoiceLines } from '../../domain/invoice.js';
import { BLOCK_KIT } from './block-kit-limits.js';
import type { Message } from './mrkdwn-text.js';
import {
  context,
  count,
  fallbackText,
  fieldsSection,
  header,
  linesToSections,
  money,
  monthName,
  section,
  slackDate,
  toPlain,
  userText,
} from './mrkdwn-text.js';
import { payButtons } from './receivables.js';

/** `invoices` lists at most this many (SPEC §4). */
export const MAX_INVOICE_LIST = 12;
/** The run summary lists at most this many accounts with amounts due; the CSV has them all. */
export const MAX_DUE_SHOWN = 100;
/** How much of an account name a message shows, once escaped. */
export const ACCOUNT_NAME_CHARS = 200;
/** How much of an account name one line of a list shows, once escaped (100 lines must fit one message). */
export const LIST_ACCOUNT_CHARS = 100;
/** Months closed by one run, listed by name up to this many; more are shown as a range. */
const MONTHS_LISTED = 3;

/** An amount with a real minus sign when negative: `$480.00`, `−$80.00`. */
function amount(cents: bigint, format: Format): string {
  return cents < 0n ? `−${money(-cents, format)}` : money(cents, format);
}

/** An invoice number (`INV-2026-00001`) as safe mrkdwn. */
function numberText(number: string): string {
  return userText(number, 40);
}

/** `120 × $4.00 = $480.00`, or the amount alone for lines that are not priced per device. */
function lineFigures(line: InvoiceLine, format: Format): string {
  const total = amount(line.amountCents, format);
  if (line.quantity === null || line.unitPriceCents === null) return total;
  const sign = line.amountCents < 0n ? '−' : '';
  return `${sign}${count(line.quantity)} × ${money(line.unitPriceCents, format)} = ${total}`;
}

/** The invoice's table: one line per invoice line, with the month's charge after usage and coverage. */
export function invoiceTable(m: InvoiceModel): string[] {
  const { format } = m;
  const out: string[] = [];
  for (const line of invoiceLines(m)) {
    if (line.kind === 'paid_from_balance') {
      out.push(`*Charge for ${monthName(m.month)}:* ${money(m.chargeCents, format)}`);
    }
    const text = `${line.label}: ${lineFigures(line, format)}`;
    out.push(line.kind === 'amount_due' ? `*${text}*` : text);
  }
  return out;
}

/** `✅ PAID from balance …` or `🔴 DUE …` with the amount due emphasised. */
export function invoiceStatusText(m: InvoiceModel): string {
  const { format } = m;
  if (m.status === 'due' || m.amountDueCents > 0n) {
    const paid =
      m.paidFromBalanceCents > 0n
        ? ` — the balance paid ${money(m.paidFromBalanceCents, format)} of ${money(m.chargeCents, format)}`
        : ' — the balance was empty';
    return `🔴 *DUE: ${money(m.amountDueCents, format)}*${paid}.`;
  }
  if (m.chargeCents === 0n) return '✅ *PAID* — nothing to pay this month.';
  return `✅ *PAID* from balance (${money(m.paidFromBalanceCents, format)}).`;
}

/** The hosted page's link: it can be forwarded to whoever pays, without a Slack login (SPEC §17). */
function pageLink(url: string): { mrkdwn: string; plain: string } {
  // Our own address (PUBLIC_URL, the number, a base64url token): nothing in it can end Slack's `<url|text>`.
  if (/[<>|\s]/.test(url)) throw new RangeError('an invoice page address with <, >, | or a space');
  return {
    mrkdwn: `📄 <${url}|Invoice page and PDF> (can be forwarded)`,
    plain: `Invoice page and PDF: ${url}`,
  };
}

/** The invoice's body, shared by the billing channel's message and `invoices <YYYY-MM>`. */
function invoiceBody(m: InvoiceModel): { blocks: KnownBlock[]; text: string[] } {
  const { format } = m;
  const title = `Invoice ${m.number}`;
  const about =
    `*${userText(m.accountName, ACCOUNT_NAME_CHARS)}* · ${monthName(m.month)} · ` +
    `${userText(m.planName, 60)} plan (${money(m.unitPriceCents, format)}/device/month)`;
  const table = invoiceTable(m);
  const status = invoiceStatusText(m);
  const issued = `Issued ${slackDate(m.createdAt, format)} · ${numberText(m.number)}`;
  const link = m.pageUrl === undefined ? [] : [pageLink(m.pageUrl)];
  const blocks: KnownBlock[] = [
    header(title),
    section(about),
    ...linesToSections(table),
    section(status),
    ...link.map((l) => section(l.mrkdwn)),
    context(issued),
  ];
  const text = [
    `Invoice ${numberText(m.number)}`,
    toPlain(about),
    ...table.map(toPlain),
    toPlain(status),
    ...link.map((l) => l.plain),
    toPlain(issued),
  ];
  return { blocks, text };
}

/** An account's invoice, posted in its billing channel by the invoice run, with its Pay button while it is owed. */
export function invoiceMessage(m: InvoiceModel): Message {
  const { blocks, text } = invoiceBody(m);
  blocks.push(...payButtons([m], m.format));
  return { text: fallbackText(text), blocks: blocks.slice(0, BLOCK_KIT.messageBlocks) };
}

/** The answer to `invoices <YYYY-MM>`: one invoice in full; the Pay button for those who may pay. */
export function invoiceDetailMessage(m: InvoiceModel, canPay: boolean): Message {
  const { blocks, text } = invoiceBody(m);
  if (canPay) blocks.push(...payButtons([m], m.format));
  const more = `All invoices: \`${SLASH_COMMAND} invoices\``;
  blocks.push(context(more));
  text.push(toPlain(more));
  return { text: fallbackText(text), blocks: blocks.slice(0, BLOCK_KIT.messageBlocks) };
}

/** `*INV-2026-00001* · November 2026 · $400.00 · paid` (or `· *$120.00 outstanding*`, `· written off`). */
export function invoiceListLine(m: InvoiceModel): string {
  const { format } = m;
  const state =
    m.status === 'written_off'
      ? 'written off'
      : m.outstandingCents > 0n
        ? `*${money(m.outstandingCents, format)} outstanding*`
        : 'paid';
  return `*${numberText(m.number)}* · ${monthName(m.month)} · ${money(m.chargeCents, format)} · ${state}`;
}

/** The answer to `invoices`: the last 12, newest first. */
export function invoiceListMessage(m: InvoiceListModel): Message {
  const title = `Invoices — ${m.accountName}`;
  const textTitle = `Invoices — ${userText(m.accountName, ACCOUNT_NAME_CHARS)}`;
  const shown = m.invoices.slice(0, MAX_INVOICE_LIST);
  if (shown.length === 0) {
    const empty = 'No invoices yet.';
    return { text: fallbackText([textTitle, empty]), blocks: [header(title), section(empty)] };
  }
  const intro = `*Last ${shown.length === 1 ? 'invoice' : `${shown.length} invoices`}* (newest first)`;
  const lines = shown.map(invoiceListLine);
  const hint = `One in full: \`${SLASH_COMMAND} invoices YYYY-MM\``;
  const pay = m.canPay ? payButtons([...shown].reverse(), m.format) : [];
  const blocks: KnownBlock[] = [header(title), ...linesToSections([intro, ...lines]), ...pay, context(hint)];
  const text = [textTitle, intro, ...lines, hint].map(toPlain);
  return { text: fallbackText(text), blocks };
}

/** `November 2026`, `October 2026, November 2026`, or `January 2025 – November 2026 (23 months)`. */
function monthsClosedText(months: string[]): string {
  if (months.length === 0) return 'none';
  if (months.length <= MONTHS_LISTED) return months.map(monthName).join(', ');
  return `${monthName(months[0]!)} – ${monthName(months[months.length - 1]!)} (${count(months.length)} months)`;
}

/**
 * The finance channel's summary of one invoice run: the totals, then the accounts left owing, largest first —
 * as many as fit, then how many more are in the CSV. Fits Block Kit's limits for any number of accounts.
 */
export function runSummaryMessage(m: RunSummaryModel): Message {
  const { format } = m;
  const title = m.months.length === 1 ? `Invoice run — ${monthName(m.months[0]!)}` : 'Invoice run';
  const fields: Array<[string, string]> = [
    [m.months.length === 1 ? 'Month closed' : 'Months closed', monthsClosedText(m.months)],
    ['Accounts invoiced', count(m.accountsInvoiced)],
    ['Total charged', `*${money(m.totalChargedCents, format)}*`],
    ['Drawn from balance', money(m.paidFromBalanceCents, format)],
    ['Amount due', `*${money(m.amountDueCents, format)}*`],
    ['$0 invoices', `${count(m.zeroInvoices)} (recorded, not posted)`],
  ];
  const csvName = userText(m.csvName, 200);

  const due = [...m.dueAccounts].sort((a, b) =>
    a.amountDueCents === b.amountDueCents ? 0 : a.amountDueCents > b.amountDueCents ? -1 : 1,
  );
  const dueTitle =
    due.length === 0
      ? 'No amounts due — every invoice was paid from balance.'
      : `*${due.length === 1 ? 'Account' : 'Accounts'} with amounts due* (${count(due.length)}, largest first)`;

  // Header, fields, the title and the closing context leave the rest of the 50 blocks for the lines.
  const room = BLOCK_KIT.messageBlocks - 4;
  let lines = due
    .slice(0, MAX_DUE_SHOWN)
    .map(
      (d) =>
        `*${userText(d.accountName, LIST_ACCOUNT_CHARS)}* · ${numberText(d.number)} · *${money(d.amountDueCents, format)}*`,
    );
  let sections = linesToSections(lines);
  while (sections.length > room) {
    lines = lines.slice(0, -1);
    sections = linesToSections(lines);
  }
  const rest = due.length - lines.length;
  const closing =
    rest > 0 ? `and ${count(rest)} more — see ${csvName}` : `Every invoice of this run is in ${csvName}.`;

  const blocks: KnownBlock[] = [
    header(title),
    fieldsSection(fields),
    section(dueTitle),
    ...sections,
    context(closing),
  ];
  const text = [
    title,
    ...fields.map(([label, value]) => `${label}: ${toPlain(value)}`),
    toPlain(dueTitle),
    ...lines.map(toPlain),
    toPlain(closing),
  ];
  return { text: fallbackText(text), blocks };
}
