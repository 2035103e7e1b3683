import type { KnownBlock } from '@slack/types';
import type { DeviceReadingModel, DevicesModel, Format } from '../../app/views.js';
import { deviceSourceText, recordedByText } from './jamf.js';
import type { Message } from './mrkdwn-text.js';
import {
  devicesText,
  fallbackText,
  header,
  linesToSections,
  monthName,
  plainUserText,
  plural,
  section,
  slackDate,
  toPlain,
  userText,
} from './mrkdwn-text.js';

/** How many of this month's readings a message lists (the newest); the rest are counted. */
export const MAX_READINGS_SHOWN = 20;

/** The answer to `/balance devices [<count>]`. */
export function devicesMessage(m: DevicesModel): Message {
  const { format } = m;
  const lines: string[] = [];
  if (m.recorded !== null) lines.push(`✅ Recorded ${devicesText(m.recorded)}.`);
  if (m.recorded !== null && m.source.jamf)
    lines.push('⚠️ The count follows Jamf Pro: the next sync replaces it when Jamf Pro counts otherwise.');
  lines.push(`Current count: ${m.current === null ? 'no reading yet' : `*${devicesText(m.current)}*`}`);
  lines.push(`From: ${deviceSourceText(m.source, format)}`);

  const month = [`*This month (${monthName(m.month)})*`];
  if (m.carriedIn) {
    month.push(`• Carried in: ${readingLine(m.carriedIn, format)}`);
  }
  const readings = [...m.readings].sort((a, b) => a.at.getTime() - b.at.getTime());
  const hidden = Math.max(readings.length - MAX_READINGS_SHOWN, 0);
  if (hidden > 0) month.push(`… and ${plural(hidden, 'earlier reading')}`);
  for (const reading of readings.slice(hidden)) month.push(`• ${readingLine(reading, format)}`);
  if (!m.carriedIn && readings.length === 0) month.push('No readings this month yet.');
  month.push(`Billed so far this month: *${devicesText(m.billedCount)}* (the highest count in effect)`);

  const name = plainUserText(m.accountName, 120);
  const blocks: KnownBlock[] = [
    header(`Devices — ${name}`),
    section(lines.join('\n')),
    ...linesToSections(month),
  ];
  const text = [`Devices — ${userText(m.accountName, 120)}`, ...lines, ...month].map(toPlain);
  return { text: fallbackText(text), blocks };
}

/** `120 devices — <date time>, typed by <@U…>` (or posted to the API, or counted in Jamf Pro). */
function readingLine(r: DeviceReadingModel, format: Format): string {
  return `${devicesText(r.count)} — ${slackDate(r.at, format, 'date_time')}, ${recordedByText(r.source, r.by)}`;
}
