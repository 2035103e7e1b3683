import type { KnownBlock } from '@slack/types';
import { ACTION, SLASH_COMMAND } from '../../app/ids.js';
import type { Message } from '../../app/types.js';
import type { AutoReloadDeclinedModel, CardModel } from '../../app/views.js';
import { ALERT_NAME_CHARS } from './alerts.js';
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
