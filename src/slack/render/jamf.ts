import type { InputBlock, ModalView } from '@slack/types';
import { CALLBACK, JAMF_INPUT, SLASH_COMMAND } from '../../app/ids.js';
import type {
  Format,
  JamfConnectedModel,
  JamfConnectModalModel,
  JamfDisconnectedModel,
} from '../../app/views.js';
import type { ReadingSource } from '../../db/schema.js';
import { CLIENT_SECRET_LENGTH, JAMF_URL_MAX } from '../../domain/jamf.js';
import type { DeviceSource } from '../../services/connectors.js';
import type { Message } from './mrkdwn-text.js';
import {
  context,
  fallbackText,
  plain,
  plural,
  section,
  slackDate,
  toPlain,
  userMention,
  userText,
} from './mrkdwn-text.js';

/** How much of an account name these messages show, once escaped. */
const ACCOUNT_CHARS = 150;
/** A client id is a UUID; room for stray spaces around it, which are trimmed. */
const CLIENT_ID_INPUT_MAX = 64;
const EXAMPLE_URL = 'https://yourcompany.jamfcloud.com';

const account = (name: string) => userText(name, ACCOUNT_CHARS);

function textInput(
  id: string,
  label: string,
  options: { placeholder?: string; hint?: string; maxLength: number; initial?: string | null },
): InputBlock {
  return {
    type: 'input',
    block_id: id,
    label: plain(label),
    ...(options.hint ? { hint: plain(options.hint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: id,
      max_length: options.maxLength,
      ...(options.placeholder ? { placeholder: plain(options.placeholder) } : {}),
      ...(options.initial ? { initial_value: options.initial } : {}),
    },
  };
}

/** The Jamf Pro modal (SPEC §16): `url`, `client_id`, `client_secret`, each block_id and action_id alike. */
export function jamfConnectModal(m: JamfConnectModalModel): ModalView {
  const intro = m.current
    ? `*${account(m.accountName)}* is connected to ${userText(m.current.url, 300)}. Connecting again replaces it; ` +
      'the client secret is never shown again, so enter it anew.'
    : `The device count of *${account(m.accountName)}* will follow Jamf Pro, counted every hour.`;
  return {
    type: 'modal',
    callback_id: CALLBACK.jamfConnect,
    title: plain('Connect Jamf Pro'),
    submit: plain('Connect'),
    close: plain('Cancel'),
    private_metadata: m.privateMetadata,
    blocks: [
      section(intro),
      context(
        'In Jamf Pro, Settings › API Roles and Clients: an API role with *Read Computers* and *Read Mobile ' +
          'Devices* only, and an API client with that role. Generate its client secret and paste it below.',
      ),
      textInput(JAMF_INPUT.url, 'Jamf Pro URL', {
        placeholder: EXAMPLE_URL,
        maxLength: JAMF_URL_MAX,
        initial: m.current?.url,
      }),
      textInput(JAMF_INPUT.clientId, 'Client ID', {
        placeholder: '6cabf059-21c9-44d6-bbde-02898f7430dd',
        maxLength: CLIENT_ID_INPUT_MAX,
        initial: m.current?.clientId,
      }),
      textInput(JAMF_INPUT.clientSecret, 'Client secret', {
        hint: 'Stored encrypted and never shown again.',
        maxLength: CLIENT_SECRET_LENGTH.max,
      }),
    ],
  };
}

/** "Connected to <url>: 118 computers + 40 mobile devices = 158 managed devices" (SPEC §16). */
export function jamfConnectedMessage(m: JamfConnectedModel): Message {
  const counted =
    `✅ Connected to ${userText(m.url, 300)}: ${plural(m.computers, 'computer')} + ` +
    `${plural(m.mobileDevices, 'mobile device')} = *${plural(m.computers + m.mobileDevices, 'managed device')}*.`;
  const next = m.recorded
    ? `That is now the device count of *${account(m.accountName)}*; it follows Jamf Pro every hour.`
    : `The device count of *${account(m.accountName)}* was already that; it follows Jamf Pro every hour.`;
  return { text: fallbackText([toPlain(counted), toPlain(next)]), blocks: [section(`${counted}\n${next}`)] };
}

export function jamfDisconnectedMessage(m: JamfDisconnectedModel): Message {
  const line = m.url
    ? `Disconnected *${account(m.accountName)}* from Jamf Pro (${userText(m.url, 300)}). The readings it ` +
      `recorded stay; record new counts with \`${SLASH_COMMAND} devices <count>\`, or connect again.`
    : `*${account(m.accountName)}* is not connected to Jamf Pro. Connect it with \`${SLASH_COMMAND} devices connect\`.`;
  return { text: fallbackText([toPlain(line)]), blocks: [section(line)] };
}

/** Who or what recorded a reading: `typed by <@U1>`, `posted to the API (token nightly)`, `counted in Jamf Pro (…)`. */
export function recordedByText(source: ReadingSource, by: string): string {
  const [, rest = by] = /^(?:api|jamf):(.*)$/.exec(by) ?? [];
  switch (source) {
    case 'api':
      return `posted to the API (token ${userText(rest, 60)})`;
    case 'jamf':
      return `counted in Jamf Pro (${userText(rest, 100)})`;
    default:
      return `typed by ${userMention(by)}`;
  }
}

/**
 * Where the device count comes from, for `status`, Home and `devices` (SPEC §16): the Jamf Pro instance and its last
 * sync (and a failing sync's state), or how the reading in effect was recorded.
 */
export function deviceSourceText(source: DeviceSource, format: Format): string {
  const { jamf, reading } = source;
  if (jamf) {
    const host = userText(new URL(jamf.url).host, 100);
    const last = jamf.lastSyncAt
      ? `last sync ${slackDate(jamf.lastSyncAt, format, 'date_time')}`
      : 'not synced yet';
    if (!jamf.failing) return `Jamf Pro (${host}), every hour — ${last}`;
    const { since, failures, reason } = jamf.failing;
    return (
      `Jamf Pro (${host}) — ⚠️ sync failing since ${slackDate(since, format, 'date_time')} ` +
      `(${plural(failures, 'try', 'tries')} in a row): ${userText(reason, 300)} ${capitalized(last)}.`
    );
  }
  if (!reading)
    return `no reading yet — \`${SLASH_COMMAND} devices <count>\` or \`${SLASH_COMMAND} devices connect\``;
  const when = slackDate(reading.at, format, 'date_time');
  const recorded = `${capitalized(recordedByText(reading.source, reading.by))}, ${when}`;
  return reading.source === 'jamf' ? `${recorded} (not connected now)` : recorded;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
