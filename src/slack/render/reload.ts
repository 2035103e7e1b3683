import { BLOCK_KIT } from './block-kit-limits.js';
// The Reload modal, its "Pay $X" step, and the messages once a payment lands or is refunded (SPEC §5, §7).

import type { ActionsBlock, Button, InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import {
  CALLBACK,
  CUSTOM_MONTHS,
  PAY_BUTTON,
  RELOAD_INPUT,
  RELOAD_TOTAL_BLOCK,
  SAVE_CARD_OPTION,
} from '../../app/ids.js';
import type {
  Format,
  PayStepModel,
  RefundModel,
  RefundResolvedModel,
  ReloadModalModel,
  ReloadNoticeModel,
} from '../../app/views.js';
import { amountLimits, minorDigits } from '../../domain/money.js';
import { customMonthsInput, devicesInput, monthsInput, onCharacterEntered } from './modal-inputs.js';
import type { Message } from './mrkdwn-text.js';
import {
  context,
  fallbackText,
  money,
  plain,
  section,
  slackDate,
  toPlain,
  truncate,
  userMention,
  userText,
} from './mrkdwn-text.js';
import { settlementSuffix } from './receivables.js';

/** How much of an account name these views and messages show, once escaped. */
export const RELOAD_ACCOUNT_CHARS = 200;
/** How much of a plan name the modal shows, once escaped. */
const PLAN_CHARS = 100;
/** How much of a payment id is shown (ours are short; this only bounds the unexpected). */
const PAYMENT_ID_CHARS = 100;
/** How much of the Pay step's description is shown, once escaped. */
const DESCRIPTION_CHARS = 500;

export const RELOAD_TITLE = 'Reload balance';
export const RELOAD_SUBMIT = 'Continue to payment';
export const RELOAD_EMPTY_TOTAL = 'Enter devices and months (or an amount) to see the total.';
export const SANDBOX_NOTE = 'Sandbox — no real money moves.';
export const STRIPE_NOTE =
  'Secure checkout by Stripe. Your balance is credited as soon as the payment is confirmed.';

const MODES: Record<ReloadModalModel['mode'], string> = {
  devices: 'Devices and duration',
  amount: 'A manual amount',
};

// ─── the modal ─────────────────────────────────────────────────────────────────────────────────────────

/** The Reload modal, re-rendered with the running total as the user types or switches mode. */
export function reloadModal(m: ReloadModalModel): ModalView {
  const blocks: KnownBlock[] = [
    context(
      `For *${account(m.accountName)}* · ${userText(m.plan.name, PLAN_CHARS)} ` +
        `(${money(m.plan.priceCents, m.format)}/device/month)`,
    ),
    modeInput(m.mode),
  ];
  if (m.mode === 'devices') {
    blocks.push(
      devicesInput(RELOAD_INPUT.devices, m.devices),
      monthsInput(RELOAD_INPUT.months, m.monthsChoice),
    );
    if (m.monthsChoice === CUSTOM_MONTHS) {
      blocks.push(customMonthsInput(RELOAD_INPUT.customMonths, m.customMonths));
    }
  } else {
    blocks.push(amountInput(m.amountText, m.format));
  }
  blocks.push(saveCardInput(m.saveCard), section(totalText(m), RELOAD_TOTAL_BLOCK));
  return {
    type: 'modal',
    callback_id: CALLBACK.reload,
    title: plain(RELOAD_TITLE),
    submit: plain(RELOAD_SUBMIT),
    close: plain('Cancel'),
    private_metadata: m.privateMetadata,
    blocks,
  };
}

const SAVE_CARD_LABEL = 'Save this card for automatic reloads';

/** The optional `save_card` checkbox (SPEC §15). */
function saveCardInput(checked: boolean): InputBlock {
  const option: PlainTextOption = { text: plain(SAVE_CARD_LABEL), value: SAVE_CARD_OPTION };
  return {
    type: 'input',
    block_id: RELOAD_INPUT.saveCard,
    optional: true,
    label: plain('Card on file'),
    element: {
      type: 'checkboxes',
      action_id: RELOAD_INPUT.saveCard,
      options: [option],
      ...(checked ? { initial_options: [option] } : {}),
    },
  };
}

function totalText(m: ReloadModalModel): string {
  return m.totalCents === null ? RELOAD_EMPTY_TOTAL : `Total: *${money(m.totalCents, m.format)}*`;
}

function modeInput(mode: ReloadModalModel['mode']): InputBlock {
  const options: PlainTextOption[] = (Object.keys(MODES) as Array<keyof typeof MODES>).map((value) => ({
    text: plain(MODES[value]),
    value,
  }));
  const initial = options.find((o) => o.value === mode);
  return {
    type: 'input',
    block_id: RELOAD_INPUT.mode,
    dispatch_action: true,
    label: plain('Reload by'),
    element: {
      type: 'radio_buttons',
      action_id: RELOAD_INPUT.mode,
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

function amountInput(amountText: string | null, format: Format): InputBlock {
  const { min, max } = amountLimits(format.currency);
  const value = amountText === null ? '' : truncate(amountText, 40);
  return {
    type: 'input',
    block_id: RELOAD_INPUT.amount,
    dispatch_action: true,
    label: plain('Amount'),
    hint: plain(`From ${money(min, format)} to ${money(max, format)}`),
    element: {
      type: 'plain_text_input',
      action_id: RELOAD_INPUT.amount,
      placeholder: plain(amountExample(format)),
      dispatch_action_config: onCharacterEntered(),
      ...(value !== '' ? { initial_value: value } : {}),
    },
  };
}

/** `$1,200.50` in the deployment's currency (`¥1,200` where there are no minor units). */
function amountExample(format: Format): string {
  return money((120_050n * 10n ** BigInt(minorDigits(format.currency))) / 100n, format);
}

// ─── the Pay step ──────────────────────────────────────────────────────────────────────────────────────

/** What Continue to payment turns the modal into: the amount and a link button to the provider's checkout. */
export function payStepView(m: PayStepModel): ModalView {
  const amount = money(m.amountCents, m.format);
  const lines = [`Pay *${amount}* for *${account(m.accountName)}*`];
  if (m.description !== null && m.description.trim() !== '') {
    lines.push(userText(m.description, DESCRIPTION_CHARS));
  }
  const pay: Button = {
    type: 'button',
    text: plain(truncate(`Pay ${amount}`, BLOCK_KIT.buttonText)),
    action_id: PAY_BUTTON,
    url: m.checkoutUrl,
    style: 'primary',
  };
  const payActions: ActionsBlock = { type: 'actions', elements: [pay] };
  const notes = [
    `The payment link works until ${slackDate(m.expiresAt, m.format, 'date_time')}.`,
    providerNote(m.provider),
    `Payment id ${paymentId(m.paymentId)}`,
  ];
  return {
    type: 'modal',
    callback_id: CALLBACK.reload,
    title: plain(RELOAD_TITLE),
    close: plain('Done'),
    blocks: [section(lines.join('\n')), payActions, context(notes.join('\n'))],
  };
}

function providerNote(provider: PayStepModel['provider']): string {
  return provider === 'sandbox' ? SANDBOX_NOTE : STRIPE_NOTE;
}

// ─── after the payment ─────────────────────────────────────────────────────────────────────────────────

/** A DM to whoever paid, once the provider confirmed the payment and the wallet was credited. */
export function reloadReceivedMessage(m: ReloadNoticeModel): Message {
  const line =
    `Your reload of *${money(m.amountCents, m.format)}* for *${account(m.accountName)}* has landed` +
    `${settlementSuffix(m.settlement)}. New balance: *${money(m.balanceCents, m.format)}*.`;
  const note = `Payment id ${paymentId(m.paymentId)}`;
  return { text: fallbackText([toPlain(line), note]), blocks: [section(line), context(note)] };
}

/** Posted in the account's billing channel once a reload is credited. */
export function reloadNotice(m: ReloadNoticeModel): Message {
  const line =
    `${userMention(m.by)} reloaded *${money(m.amountCents, m.format)}* by card` +
    `${settlementSuffix(m.settlement)}. Balance: *${money(m.balanceCents, m.format)}*.`;
  const note = `Payment id ${paymentId(m.paymentId)}`;
  return { text: fallbackText([toPlain(line), note]), blocks: [section(line), context(note)] };
}

/** The answer to `/balance refund`: what was refunded, the new balance and what is left to refund. */
export function refundMessage(m: RefundModel): Message {
  const sandbox = m.provider === 'sandbox' ? ' (sandbox — no money moved)' : '';
  const line =
    `Refunded *${money(m.refundedCents, m.format)}* of payment ${paymentId(m.paymentId)} ` +
    `for *${account(m.accountName)}*${sandbox}. New balance: *${money(m.balanceCents, m.format)}*.`;
  const note = `Left to refund on this payment: ${money(m.remainingCents, m.format)}`;
  return { text: fallbackText([toPlain(line), note]), blocks: [section(line), context(note)] };
}

/** To whoever asked for a refund the provider left unanswered: how recovery resolved it. */
export function refundResolvedMessage(m: RefundResolvedModel): Message {
  const refund = `The refund of *${money(m.amountCents, m.format)}* of payment ${paymentId(m.paymentId)} for *${account(m.accountName)}*`;
  const line =
    m.status === 'succeeded'
      ? `${refund}, left pending when the payment provider did not answer, has gone through.`
      : `${refund}, left pending when the payment provider did not answer, was not made: the amount is back on the balance.`;
  const note = `Balance: ${money(m.balanceCents, m.format)}`;
  return { text: fallbackText([toPlain(line), note]), blocks: [section(line), context(note)] };
}

// ─── pieces ────────────────────────────────────────────────────────────────────────────────────────────

function account(name: string): string {
  return userText(name, RELOAD_ACCOUNT_CHARS);
}

/** `` `pay_123` ``: escaped, and without backticks that would end the code span. */
function paymentId(id: string): string {
  return `\`${userText(id.replaceAll('`', "'"), PAYMENT_ID_CHARS)}\``;
}
