import type { KnownBlock } from '@slack/types';
import { ACTION } from '../../app/ids.js';
import type { AlertResolvedModel, Format, LowBalanceAlertModel } from '../../app/views.js';
import { formatRunway, type Runway } from '../../domain/runway.js';
import type { Message } from './mrkdwn-text.js';
import {
  actions,
  button,
  fallbackText,
  money,
  section,
  slackDate,
  toPlain,
  userText,
} from './mrkdwn-text.js';

/** How much of an account name an alert shows, once escaped. */
export const ALERT_NAME_CHARS = 200;

/** `about 0.4 months at $480.00 a month (runs out <date>)`. */
function runwayPhrase(runway: Runway, monthlyCents: bigint, format: Format): string {
  if (runway.kind === 'unlimited') return 'with no billable devices';
  return (
    `about ${formatRunway(runway.tenths)} at ${money(monthlyCents, format)} a month ` +
    `(runs out ${slackDate(runway.runsOutOn, format)})`
  );
}

/**
 * A step down in the low-balance state (SPEC §9), for the alert channel (or the billing channel): what is left
 * and how long it lasts, with **Reload** and **Estimate** buttons for the account.
 */
export function lowBalanceAlertMessage(m: LowBalanceAlertModel): Message {
  const { format } = m;
  const name = userText(m.accountName, ALERT_NAME_CHARS);
  const line =
    m.state === 'empty'
      ? `🚨 *${name}*'s balance is empty: the next monthly bill (${money(m.monthlyCents, format)}) will be due in full.`
      : `⚠️ *${name}* is running low: ${money(m.balanceCents, format)} left, ` +
        `${runwayPhrase(m.runway, m.monthlyCents, format)}. ` +
        `Alerts start below ${formatRunway(m.thresholdTenths)}.`;
  const value = String(m.accountId);
  const blocks: KnownBlock[] = [
    section(line),
    actions([
      button('Reload', ACTION.alertReload, value, 'primary'),
      button('Estimate', ACTION.alertEstimate, value),
    ]),
  ];
  return { text: fallbackText([toPlain(line)]), blocks };
}

/** A reload or redemption brought the account back to ok: a short note after the alert. */
export function alertResolvedMessage(m: AlertResolvedModel): Message {
  const { format } = m;
  const name = userText(m.accountName, ALERT_NAME_CHARS);
  const lasts =
    m.runway.kind === 'unlimited' ? ' (no billable devices)' : `, about ${formatRunway(m.runway.tenths)}`;
  const line = `✅ *${name}*'s balance is back to ok: ${money(m.balanceCents, format)}${lasts}.`;
  return { text: fallbackText([toPlain(line)]), blocks: [section(line)] };
}
