import type { Message } from '../../app/types.js';
import type { FinanceActionModel, ReceivablesModel, SettlementModel } from '../../app/views.js';
import { AGING_BUCKETS, type AgingBucket } from '../../domain/receivables.js';
import { noticeMessage } from './common.js';
import {
  context,
  fallbackText,
  header,
  linesToSections,
  money,
  plainDate,
  section,
  toPlain,
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
  const clauses = settled.map(
    (s) =>
      `${money(s.amountCents, format)} paid ${s.number} (${s.outstandingCents > 0n ? `${money(s.outstandingCents, format)} left` : 'now paid'})`,
  );
  return restored ? [...clauses, 'the account is restored'] : clauses;
}
