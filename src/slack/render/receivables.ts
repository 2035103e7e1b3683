import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { ACTION } from '../../app/ids.js';
import type {
  CollectionsModel,
  FinanceActionModel,
  Format,
  ReceivablesModel,
  SettlementModel,
} from '../../app/views.js';
import { AGING_BUCKETS, type AgingBucket } from '../../domain/receivables.js';
import { BLOCK_KIT } from './block-kit-limits.js';
import { noticeMessage } from './common.js';
import type { Message } from './mrkdwn-text.js';
import {
  context,
  fallbackText,
  header,
  linesToSections,
  money,
  plain,
  plainDate,
  section,
  slackDate,
  toPlain,
  truncate,
  userText,
} from './mrkdwn-text.js';

const BUCKET_LABELS: Record<AgingBucket, string> = {
  not_yet_due: 'not yet due',
  days_1_30: '1–30 days',
  days_31_60: '31–60 days',
  days_61_90: '61–90 days',
  over_90: 'over 90 days',
};

/** The accounts one message lists; the rest are counted and left to `balance export receivables`. */
export const RECEIVABLES_MAX_ACCOUNTS = 40;

/** `/balance receivables`: totals by aging bucket, then the accounts, largest debt first. */
export function receivablesMessage({ format, report }: ReceivablesModel): Message {
  const title = `Receivables as of ${report.asOf}`;
  if (report.accounts.length === 0) {
    const line = `${title}: nothing is outstanding.`;
    return { text: line, blocks: [section(`✅ ${line}`)] };
  }
  const aging = (amounts: Record<AgingBucket, bigint>) =>
    AGING_BUCKETS.filter((b) => amounts[b] > 0n)
      .map((b) => `${BUCKET_LABELS[b]} ${money(amounts[b], format)}`)
      .join(' · ');
  const { totals } = report;
  const total = `*${money(totals.outstandingCents, format)}* outstanding on ${totals.invoices} invoice${totals.invoices === 1 ? '' : 's'} of ${totals.accounts} account${totals.accounts === 1 ? '' : 's'}`;
  const buckets = AGING_BUCKETS.map((b) => `${BUCKET_LABELS[b]}: ${money(totals.aging[b], format)}`).join(
    ' · ',
  );
  const shown = report.accounts.slice(0, RECEIVABLES_MAX_ACCOUNTS);
  const lines = shown.map((a) => {
    const suspended = a.suspendedSince ? ` · ⛔ suspended since ${plainDate(a.suspendedSince, format)}` : '';
    return `• *${userText(a.accountName, 80)}* ${money(a.outstandingCents, format)} (${aging(a.aging)})${suspended}`;
  });
  const more = report.accounts.length - shown.length;
  const tail = more > 0 ? [`…and ${more} more: \`balance export receivables\` has them all.`] : [];
  return {
    text: fallbackText([toPlain(`${title}: ${total}`), buckets]),
    blocks: [
      header(title),
      section(`${total}\n${buckets}`),
      ...linesToSections([...lines, ...tail]).slice(0, 45),
      context('Aged by days past the due date. All of it as CSV: `balance export receivables`.'),
    ],
  };
}

/** The reply to `invoices pay` and `invoices write-off`. */
export function financeActionMessage(model: FinanceActionModel): Message {
  const { format } = model;
  const who = `*${userText(model.accountName, 80)}*`;
  const done =
    model.action === 'offline_payment'
      ? `Recorded an offline payment of ${money(model.amountCents, format)} on ${model.number} (${who})`
      : `Wrote off ${money(model.amountCents, format)} on ${model.number} (${who})`;
  const left =
    model.outstandingCents > 0n
      ? `${money(model.outstandingCents, format)} is still outstanding.`
      : model.action === 'write_off'
        ? 'It is written off.'
        : 'It is now paid.';
  const again = model.replayed ? ' (already recorded: nothing new was written)' : '';
  return noticeMessage(`✅ ${done}${again}. ${left}`);
}

/**
 * What a credit paid, for its reply, DM and notice: "$190.00 paid INV-2026-00002 (now paid)", one clause per
 * invoice, and whether the account was restored. Empty when nothing was owed.
 */
export function settlementClauses({ format, settled, restored }: SettlementModel): string[] {
  // "$190.00 paid INV-2026-00002 (now paid)", "$100.00 paid INV-2026-00003 ($90.00 left)".
  const clauses = settled.map(
    (s) =>
      `${money(s.amountCents, format)} paid ${s.number} (${s.outstandingCents > 0n ? `${money(s.outstandingCents, format)} left` : 'now paid'})`,
  );
  return restored ? [...clauses, 'the account is restored'] : clauses;
}

/** How many Pay buttons one message carries (oldest invoices first); `invoices` lists the rest. */
export const MAX_PAY_BUTTONS = 5;

/**
 * "Pay $190.00 · INV-2026-00002" for each invoice with something outstanding (SPEC §14), oldest first: the click
 * opens a checkout for exactly that amount. None when nothing is outstanding.
 */
export function payButtons(
  invoices: ReadonlyArray<{ number: string; outstandingCents: bigint; status: string }>,
  format: Format,
): ActionsBlock[] {
  const open = invoices
    .filter((i) => i.status === 'due' && i.outstandingCents > 0n)
    .slice(0, MAX_PAY_BUTTONS);
  if (open.length === 0) return [];
  // One block per button: an action_id is unique within its block, a block_id within the message.
  return open.map((i) => {
    const pay: Button = {
      type: 'button',
      action_id: ACTION.payInvoice,
      text: plain(truncate(`Pay ${money(i.outstandingCents, format)} · ${i.number}`, BLOCK_KIT.buttonText)),
      value: i.number,
      style: 'primary',
    };
    return { type: 'actions', block_id: `${ACTION.payInvoice}:${i.number}`, elements: [pay] };
  });
}

/**
 * "⛔ Suspended since <date>: pay $X to restore" or "🔴 $X outstanding, oldest due <date>", then the Pay buttons for
 * admins: what `status` and the Home tab say of an account's debts (SPEC §14). Nothing when nothing is owed.
 */
export function collectionsBlocks(
  c: CollectionsModel | undefined,
  format: Format,
): { blocks: KnownBlock[]; text: string[] } {
  if (!c || (c.outstandingCents === 0n && c.suspendedSince === null)) return { blocks: [], text: [] };
  const oldest = c.open[0];
  const line = c.suspendedSince
    ? `⛔ *Suspended since ${slackDate(c.suspendedSince, format)}*: pay ${money(c.overdueCents, format)} to restore.`
    : `🔴 *${money(c.outstandingCents, format)} outstanding* on ${c.open.length} invoice${c.open.length === 1 ? '' : 's'}${oldest ? `, the oldest due ${slackDate(oldest.dueDate, format)}` : ''}.`;
  return {
    blocks: [section(line), ...(c.canPay ? payButtons(c.open, format) : [])],
    text: [toPlain(line)],
  };
}

/** The clauses of `settlementClauses` as a suffix of a sentence: " · $190.00 paid INV-… (now paid)", or "". */
export function settlementSuffix(model: SettlementModel | undefined): string {
  if (!model) return '';
  return settlementClauses(model)
    .map((clause) => ` · ${clause}`)
    .join('');
}
