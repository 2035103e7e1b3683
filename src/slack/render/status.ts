import type { KnownBlock } from '@slack/types';
import { SLASH_COMMAND } from '../../app/ids.js';
import type { Format, StatusModel } from '../../app/views.js';
import { formatRunway, type LowBalanceState } from '../../domain/runway.js';
import type { AutoReloadState } from '../../services/autoreload-state.js';
import type { DeviceSource } from '../../services/connectors.js';
import type { AccountSummary } from '../../services/summary.js';
import { planLabel } from './estimate.js';
import { deviceSourceText } from './jamf.js';
import type { Message } from './mrkdwn-text.js';
import {
  devicesText,
  fallbackText,
  fieldsSection,
  header,
  money,
  monthName,
  plainUserText,
  section,
  slackDate,
  toPlain,
  userText,
} from './mrkdwn-text.js';
import { collectionsBlocks } from './receivables.js';

/** The labelled figures of one account, shared by `status` and the Home tab. */
export function summaryFields(
  s: AccountSummary,
  source: DeviceSource,
  format: Format,
): Array<[string, string]> {
  const fields: Array<[string, string]> = [
    ['Balance', `*${money(s.balanceCents, format)}*`],
    ['Devices now', s.devices === null ? 'no reading yet' : devicesText(s.devices)],
    ['Device count from', deviceSourceText(source, format)],
    ['Plan', planLabel({ code: s.plan.code, name: s.plan.name, priceCents: s.plan.priceCents }, format)],
    ['Monthly cost', `${money(s.monthlyCents, format)} a month`],
    ['Runway', runwayText(s, format)],
    ['Next bill (estimate)', nextBillText(s, format)],
  ];
  if (s.packs.length > 0) {
    // Field values hold at most 2,000 characters: list the packs that end soonest, then a count.
    const shown = s.packs
      .slice(0, 5)
      .map((p) => `${devicesText(p.devices)} through ${monthName(p.endMonth)}`);
    const more = s.packs.length > shown.length ? [`and ${s.packs.length - shown.length} more`] : [];
    fields.push([
      'License packs',
      `cover ${devicesText(s.coveredDevices)} (not charged to the balance): ${[...shown, ...more].join('; ')}`,
    ]);
  }
  fields.push(['Auto-reload', autoReloadText(s.autoReload, format)]);
  return fields;
}

/** `Visa …4242`. */
export function cardText(card: { brand: string; last4: string }): string {
  return `${card.brand.charAt(0).toUpperCase()}${card.brand.slice(1)} …${card.last4}`;
}

/**
 * SPEC §15: `on — $1,000.00 when the runway is below 1.0 month · Visa …4242 · 1 of 2 this month`, or
 * `off since <date>: 3 declines`; the last decline is always named.
 */
export function autoReloadText(a: AutoReloadState, format: Format): string {
  const settings = a.settings;
  const parts: string[] = [];
  if (settings?.enabled) {
    parts.push(
      `on — ${money(settings.amountCents, format)} when the runway is below ${formatRunway(settings.thresholdTenths)}`,
      ...(a.card ? [cardText(a.card)] : []),
      `${a.thisMonth} of ${settings.maxPerMonth} this month`,
    );
  } else if (settings?.disabledAt) {
    const why = settings.disabledReason ? `: ${settings.disabledReason}` : '';
    parts.push(`off since ${slackDate(settings.disabledAt, format)}${why}`);
  } else {
    parts.push(`off — \`${SLASH_COMMAND} autoreload\` to set it up`);
  }
  if (a.lastDecline) {
    parts.push(
      `last decline ${slackDate(a.lastDecline.at, format)} (${userText(a.lastDecline.reason.split(':')[0]!, 60)})`,
    );
  }
  return parts.join(' · ');
}

/** `6.2 months — runs out <date>` or `unlimited — no billable devices`. */
export function runwayText(s: AccountSummary, format: Format): string {
  if (s.runway.kind === 'unlimited') return 'unlimited — no billable devices';
  return `${formatRunway(s.runway.tenths)} — runs out ${slackDate(s.runway.runsOutOn, format)}`;
}

/** `December 2026: 120 devices, $480.00`. */
export function nextBillText(s: AccountSummary, format: Format): string {
  const { month, billedDevices, amountCents } = s.nextBill;
  return `${monthName(month)}: ${devicesText(billedDevices)}, ${money(amountCents, format)}`;
}

/** The low-balance line, with a warning emoji when low or empty. */
export function lowBalanceText(state: LowBalanceState, thresholdTenths: number): string {
  const threshold = formatRunway(thresholdTenths);
  switch (state) {
    case 'empty':
      return `🚨 *Balance empty* — nothing is left for the next monthly bill. Reload with \`${SLASH_COMMAND} reload\`.`;
    case 'low':
      return `⚠️ *Low balance* — less than ${threshold} left. Reload with \`${SLASH_COMMAND} reload\` to keep it running.`;
    default:
      return `✅ Balance OK — the alert is sent below ${threshold} of runway.`;
  }
}

/** The answer to `/balance status`. */
export function statusMessage(m: StatusModel): Message {
  const { summary: s, format } = m;
  const name = plainUserText(s.account.name, 150);
  const fields = summaryFields(s, m.source, format);
  const state = lowBalanceText(s.state, s.account.alertThresholdTenths);
  const owed = collectionsBlocks(m.collections, format);
  const blocks: KnownBlock[] = [header(name), fieldsSection(fields), ...owed.blocks, section(state)];
  const text = [
    `Status of ${userText(s.account.name, 150)}`,
    ...fields.map(([label, value]) => `${label}: ${toPlain(value)}`),
    ...owed.text,
    toPlain(state),
  ];
  return { text: fallbackText(text), blocks };
}
