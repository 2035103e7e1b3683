import type { KnownBlock } from '@slack/types';
import { ACTION } from '../../app/ids.js';
import type { EstimateModel, Format, PlanChoice } from '../../app/views.js';
import type { Estimate } from '../../domain/pricing.js';
import { formatRunway } from '../../domain/runway.js';
import type { Message } from './mrkdwn-text.js';
import {
  actions,
  button,
  devicesText,
  fallbackText,
  fieldsSection,
  money,
  monthsText,
  section,
  slackDate,
  toPlain,
  userText,
} from './mrkdwn-text.js';

/** `Plus ($4.00/device/month)`; plan names are set by owners, so they are escaped too. */
export function planLabel(plan: PlanChoice, format: Format): string {
  return `${userText(plan.name, 60)} (${money(plan.priceCents, format)}/device/month)`;
}

/** `120 devices × 24 months on Plus ($4.00/device/month) = *$11,520.00*`. */
export function estimateHeadline(estimate: Estimate, plan: PlanChoice, format: Format): string {
  const { devices, months, totalCents } = estimate;
  return `${devicesText(devices)} × ${monthsText(months)} on ${planLabel(plan, format)} = *${money(totalCents, format)}*`;
}

/** The 12/24/36-month comparison as section fields. */
export function comparisonFields(estimate: Estimate, format: Format): Array<[string, string]> {
  return estimate.comparison.map(({ months, totalCents }) => [
    monthsText(months) + (months === estimate.months ? ' (this estimate)' : ''),
    money(totalCents, format),
  ]);
}

/** The same comparison on one line, for the plain-text fallback. */
export function comparisonLine(estimate: Estimate, format: Format): string {
  const parts = estimate.comparison.map(
    ({ months, totalCents }) => `${months} months ${money(totalCents, format)}`,
  );
  return `Compare: ${parts.join(' · ')}`;
}

/** The value both estimate buttons carry: JSON `{"devices":…,"months":…,"plan":…}`. */
export function estimateButtonValue(estimate: Estimate, planCode: string): string {
  return JSON.stringify({ devices: estimate.devices, months: estimate.months, plan: planCode });
}

/** The answer to `/balance estimate …` and the Estimate modal's submit. */
export function estimateMessage(m: EstimateModel): Message {
  const { format, plan, estimate } = m;
  const headline = [
    '*Estimate*',
    estimateHeadline(estimate, plan, format),
    `That is ${money(estimate.monthlyCents, format)} a month for ${devicesText(estimate.devices)}.`,
  ].join('\n');
  const blocks: KnownBlock[] = [
    section(headline),
    section('*Same devices over 12, 24 and 36 months*'),
    fieldsSection(comparisonFields(estimate, format)),
  ];
  const text = [toPlain(headline), comparisonLine(estimate, format)];

  if (m.account) {
    const account = accountLines(m.account, estimate.months, format).join('\n');
    blocks.push(section(account));
    text.push(toPlain(account));
  }

  const buttons = [];
  const value = estimateButtonValue(estimate, plan.code);
  if (m.actions.shareAsQuote) buttons.push(button('Share as quote', ACTION.shareAsQuote, value));
  if (m.actions.reload) buttons.push(button('Reload this amount', ACTION.reloadThisAmount, value, 'primary'));
  if (buttons.length > 0) blocks.push(actions(buttons));

  return { text: fallbackText(text), blocks };
}

function accountLines(
  account: NonNullable<EstimateModel['account']>,
  months: number,
  format: Format,
): string[] {
  const name = userText(account.name, 80);
  const balance = money(account.balanceCents, format);
  const covers =
    account.runway.kind === 'unlimited'
      ? 'no devices billed, so nothing is drawn from it'
      : `covers *${formatRunway(account.runway.tenths)}* now at ${money(account.monthlyCents, format)} a month ` +
        `(until ${slackDate(account.runway.runsOutOn, format)})`;
  const reload =
    account.reloadCents > 0n
      ? `To cover ${monthsText(months)} at the current monthly cost, reload *${money(account.reloadCents, format)}*.`
      : `Already covered: the balance pays for ${monthsText(months)} at the current monthly cost.`;
  return [`*${name}* — balance *${balance}*: ${covers}.`, reload];
}
