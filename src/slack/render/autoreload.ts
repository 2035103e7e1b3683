import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { ACTION, AUTORELOAD_INPUT, AUTORELOAD_ON, CALLBACK, SLASH_COMMAND } from '../../app/ids.js';
import type { AutoReloadDeclinedModel, AutoReloadModalModel, CardModel } from '../../app/views.js';
import { ALERT_NAME_CHARS } from './alerts.js';
import type { Message } from './mrkdwn-text.js';
import {
  actions,
  button,
  fallbackText,
  money,
  plain,
  section,
  slackDate,
  toPlain,
  userText,
} from './mrkdwn-text.js';
import { cardText } from './status.js';

/**
 * A declined auto-reload (SPEC §15): to each admin by DM with a **Reload** button, and to finance as a note. Never
 * silent about what happens next: when the next try may come, or that auto-reload is now off.
 */
export function autoReloadDeclinedMessage(m: AutoReloadDeclinedModel): Message {
  const name = userText(m.accountName, ALERT_NAME_CHARS);
  const what = `❌ The auto-reload of ${money(m.amountCents, m.format)} for *${name}* was declined (${userText(m.reason, 80)}).`;
  const next = m.turnedOff
    ? `Auto-reload is now *off* after ${m.declines} declines in a row.`
    : `No new try before ${slackDate(m.retryAfter!, m.format, 'date_time')} (decline ${m.declines} of 3 in a row: the third turns auto-reload off).`;
  const advice =
    m.audience === 'admins'
      ? m.turnedOff
        ? 'Reload with another card, then turn it on again with `/balance autoreload`.'
        : 'Reload now, or save another card with the next reload.'
      : '';
  const line = [what, next, advice].filter(Boolean).join(' ');
  const blocks: KnownBlock[] = [section(line)];
  if (m.audience === 'admins')
    blocks.push(actions([button('Reload', ACTION.alertReload, String(m.accountId), 'primary')]));
  return { text: fallbackText([toPlain(line)]), blocks };
}

/** The card on file, the card just removed, or that there is none. */
export function cardMessage(m: CardModel): Message {
  const name = userText(m.accountName, ALERT_NAME_CHARS);
  const card = m.card;
  const expiry = card ? `expires ${String(card.expMonth).padStart(2, '0')}/${card.expYear}` : '';
  const line = !card
    ? m.removed
      ? `*${name}* has no card on file: nothing was removed.`
      : `*${name}* has no card on file. Tick "Save this card for automatic reloads" in \`${SLASH_COMMAND} reload\` to keep one.`
    : m.removed
      ? `Removed ${cardText(card)} (${expiry}) from *${name}*. Auto-reload is off until a card is saved again.`
      : `Card on file for *${name}*: ${cardText(card)}, ${expiry}. \`${SLASH_COMMAND} card remove\` forgets it.`;
  return { text: fallbackText([toPlain(line)]), blocks: [section(line)] };
}

const ON_LABEL = 'Charge the card on file automatically';

function textInput(id: string, label: string, value: string, hint: string, maxLength: number): InputBlock {
  return {
    type: 'input',
    block_id: id,
    label: plain(label),
    hint: plain(hint),
    element: { type: 'plain_text_input', action_id: id, initial_value: value, max_length: maxLength },
  };
}

/** `/balance autoreload`: on/off, the runway threshold, the amount and the monthly maximum (SPEC §15). */
export function autoReloadModal(m: AutoReloadModalModel): ModalView {
  const on: PlainTextOption = { text: plain(ON_LABEL), value: AUTORELOAD_ON };
  const card = m.card
    ? `Card on file: ${cardText(m.card)}.`
    : `No card on file yet: save one with \`${SLASH_COMMAND} reload\`.`;
  const blocks: KnownBlock[] = [
    section(`Auto-reload for *${userText(m.accountName, ALERT_NAME_CHARS)}*. ${card}`),
    {
      type: 'input',
      block_id: AUTORELOAD_INPUT.enabled,
      optional: true,
      label: plain('Auto-reload'),
      element: {
        type: 'checkboxes',
        action_id: AUTORELOAD_INPUT.enabled,
        options: [on],
        ...(m.enabled ? { initial_options: [on] } : {}),
      },
    },
    textInput(
      AUTORELOAD_INPUT.threshold,
      'When the runway is below (months)',
      m.thresholdText,
      '0.1 to 24, one decimal',
      5,
    ),
    textInput(AUTORELOAD_INPUT.amount, 'Reload amount', m.amountText, 'From $1.00 to $10,000,000.00', 40),
    textInput(
      AUTORELOAD_INPUT.maxPerMonth,
      'At most, per month',
      String(m.maxPerMonth),
      '1 to 10 reloads',
      2,
    ),
  ];
  return {
    type: 'modal',
    callback_id: CALLBACK.autoreload,
    title: plain('Auto-reload'),
    submit: plain('Save'),
    close: plain('Cancel'),
    private_metadata: m.privateMetadata,
    blocks,
  };
}
