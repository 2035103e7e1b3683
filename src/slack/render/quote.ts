import type { KnownBlock } from '@slack/types';
import { ACTION } from '../../app/ids.js';
import type { QuoteModel } from '../../app/views.js';
import { comparisonFields, comparisonLine, planLabel } from './estimate.js';
import type { Message } from './mrkdwn-text.js';
import {
  actions,
  button,
  context,
  count,
  devicesText,
  fallbackText,
  fieldsSection,
  header,
  money,
  monthsText,
  section,
  slackDate,
  toPlain,
  userMention,
  userText,
} from './mrkdwn-text.js';

/** How much of a customer name a quote shows (the stored name may be longer). */
export const QUOTE_CUSTOMER_CHARS = 500;

/** The quote posted in the channel for everyone (`/balance quote …`). */
export function quoteMessage(m: QuoteModel): Message {
  const { format, estimate, plan } = m;
  const customer = m.customer === null ? null : userText(m.customer, QUOTE_CUSTOMER_CHARS);
  const total = money(estimate.totalCents, format);
  const details: Array<[string, string]> = [
    ['Devices', count(estimate.devices)],
    ['Months', count(estimate.months)],
    ['Plan', planLabel(plan, format)],
    ['Unit price', `${money(estimate.unitPriceCents, format)} per device per month`],
    ['Monthly', money(estimate.monthlyCents, format)],
    ['Total', `*${total}*`],
  ];
  if (customer !== null) details.unshift(['Customer', customer]);

  const validUntil = slackDate(m.validUntil, format);
  const footer = `Valid until ${validUntil} · made by ${userMention(m.createdBy)}`;
  const blocks: KnownBlock[] = [
    header(`Quote ${m.number}`),
    section(
      `${customer === null ? '' : `For *${customer}*: `}${devicesText(estimate.devices)} × ${monthsText(estimate.months)} ` +
        `on ${planLabel(plan, format)} = *${total}*`,
    ),
    fieldsSection(details),
    section('*Same devices over 12, 24 and 36 months*'),
    fieldsSection(comparisonFields(estimate, format)),
    context(footer),
  ];
  if (m.canIssueCode) {
    blocks.push(actions([button('Issue code for this quote', ACTION.issueCodeForQuote, String(m.quoteId))]));
  }

  const text = [
    `Quote ${m.number}`,
    ...details.map(([label, value]) => `${label}: ${toPlain(value)}`),
    comparisonLine(estimate, format),
    toPlain(footer),
  ];
  return { text: fallbackText(text), blocks };
}
