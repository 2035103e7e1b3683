import type { InputBlock, ModalView } from '@slack/types';
import { CALLBACK, REDEEM_INPUT } from '../../app/ids.js';
import type { RedeemedModel, RedeemModalModel } from '../../app/views.js';
import { MAX_CODE_INPUT } from '../../domain/code-format.js';
import { codeTail } from './codes.js';
import type { Message } from './mrkdwn-text.js';
import {
  devicesText,
  fallbackText,
  money,
  monthName,
  monthsText,
  plain,
  section,
  toPlain,
  userMention,
  userText,
} from './mrkdwn-text.js';
import { settlementSuffix } from './receivables.js';

/** How much of an account name these messages show, once escaped. */
export const REDEEM_ACCOUNT_CHARS = 200;

export const REDEEM_PLACEHOLDER = 'BAL-XXXX-XXXX-XXXX-XXXX-X';
export const REDEEM_HINT =
  "Balance codes start with BAL-, license pack codes with LP-. Case, spaces and hyphens don't matter.";

/** The Redeem modal (SPEC §5): one plain-text input, `code`/`code`. */
export function redeemModal(m: RedeemModalModel): ModalView {
  const input: InputBlock = {
    type: 'input',
    block_id: REDEEM_INPUT,
    label: plain('Code'),
    hint: plain(REDEEM_HINT),
    element: {
      type: 'plain_text_input',
      action_id: REDEEM_INPUT,
      placeholder: plain(REDEEM_PLACEHOLDER),
      max_length: MAX_CODE_INPUT,
    },
  };
  return {
    type: 'modal',
    callback_id: CALLBACK.redeem,
    title: plain('Redeem a code'),
    submit: plain('Redeem'),
    close: plain('Cancel'),
    private_metadata: m.privateMetadata,
    blocks: [section(`For *${account(m.accountName)}*`), input],
  };
}

function account(name: string): string {
  return userText(name, REDEEM_ACCOUNT_CHARS);
}

/** `from November 2026 through October 2027 (12 months)`. */
function packSpan(m: Extract<RedeemedModel, { kind: 'license_pack' }>): string {
  return `from ${monthName(m.startMonth)} through ${monthName(m.endMonth)} (${monthsText(m.months)})`;
}

/** The private answer to the redeemer. */
export function redeemedMessage(m: RedeemedModel): Message {
  const line =
    m.kind === 'balance'
      ? `Redeemed code ${codeTail(m.last4)}: *${money(m.amountCents, m.format)}* added to ` +
        `*${account(m.accountName)}*${settlementSuffix(m.settlement)}. New balance: *${money(m.balanceCents, m.format)}*.`
      : `Redeemed license pack ${codeTail(m.last4)}: *${devicesText(m.devices)}* covered on ` +
        `*${account(m.accountName)}* ${packSpan(m)}. Those devices are not charged to the balance.`;
  return { text: fallbackText([toPlain(line)]), blocks: [section(line)] };
}

/** Posted in the account's billing channel after a redemption. */
export function redemptionNotice(m: RedeemedModel): Message {
  const line =
    m.kind === 'balance'
      ? `${userMention(m.by)} redeemed code ${codeTail(m.last4)}: *${money(m.amountCents, m.format)}* added` +
        `${settlementSuffix(m.settlement)}. Balance: *${money(m.balanceCents, m.format)}*.`
      : `${userMention(m.by)} redeemed license pack ${codeTail(m.last4)}: *${devicesText(m.devices)}* covered ` +
        `${packSpan(m)}. Those devices are not charged to the balance.`;
  return { text: fallbackText([toPlain(line)]), blocks: [section(line)] };
}
