import type { KnownBlock } from '@slack/types';
import { type Format, type HistoryModel, MAX_HISTORY, type TransferLine } from '../../app/views.js';
import type { Message } from './mrkdwn-text.js';
import {
  fallbackText,
  header,
  isUserId,
  linesToSections,
  money,
  plainUserText,
  section,
  signedMoney,
  slackDate,
  toPlain,
  userMention,
  userText,
} from './mrkdwn-text.js';

/** How much of a memo a line shows, once escaped. */
export const MEMO_CHARS = 300;

/** The answer to `/balance history [<n>]`: the balance, then the transfers, newest first. */
export function historyMessage(m: HistoryModel): Message {
  const { format } = m;
  const transfers = m.transfers.slice(0, MAX_HISTORY);
  const balance = `Balance: *${money(m.balanceCents, format)}*`;
  const title =
    transfers.length === 0
      ? 'No transfers yet.'
      : `*Last ${transfers.length === 1 ? 'transfer' : `${transfers.length} transfers`}* (newest first)`;
  const lines = transfers.map((t) => transferLine(t, format));

  const blocks: KnownBlock[] = [
    header(`History — ${plainUserText(m.accountName, 120)}`),
    section(`${balance}\n${title}`),
    ...linesToSections(lines),
  ];
  const text = [`History — ${userText(m.accountName, 120)}`, balance, title, ...lines].map(toPlain);
  return { text: fallbackText(text), blocks };
}

/** `<date> · +$100.00 · Card reload · by <@U…>`: one line per transfer, shared with the Home tab. */
export function transferLine(t: TransferLine, format: Format): string {
  const parts = [slackDate(t.at, format), `*${signedMoney(t.signedAmount, format)}*`];
  const memo = t.memo.trim();
  if (memo !== '') parts.push(userText(memo, MEMO_CHARS));
  if (isUserId(t.actor)) parts.push(`by ${userMention(t.actor)}`);
  return parts.join(' · ');
}
