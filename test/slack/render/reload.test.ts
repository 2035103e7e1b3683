import type {
  ActionsBlock,
  Button,
  InputBlock,
  ModalView,
  RadioButtons,
  SectionBlock,
  StaticSelect,
} from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  CALLBACK,
  CUSTOM_MONTHS,
  PAY_BUTTON,
  RELOAD_INPUT,
  RELOAD_TOTAL_BLOCK,
} from '../../../src/app/ids.js';
import type {
  PayStepModel,
  RefundModel,
  ReloadModalModel,
  ReloadNoticeModel,
} from '../../../src/app/views.js';
import { blockKitProblems, viewProblems } from '../../../src/slack/limits.js';
import {
  payStepView,
  refundMessage,
  refundResolvedMessage,
  reloadModal,
  reloadNotice,
  reloadReceivedMessage,
} from '../../../src/slack/render/reload.js';
import { DANGEROUS, everything, PLUS, USD, viewTexts } from './fixtures.js';

const LONG_NAME = `${'Acme Holdings '.repeat(6)}Ltd.`.padEnd(80, 'x');
const HOSTILE = '<!channel> @here *Acme* & <@U123> <https://evil.example|click>';
const MAX = 1_000_000_000n;

const devicesMode: ReloadModalModel = {
  format: USD,
  accountName: 'Acme',
  plan: PLUS,
  mode: 'devices',
  devices: 120,
  monthsChoice: '24',
  saveCard: false,
  customMonths: null,
  amountText: null,
  totalCents: 1_152_000n,
  privateMetadata: '{"account":7,"channel":"C1"}',
};

const amountMode: ReloadModalModel = {
  ...devicesMode,
  mode: 'amount',
  devices: null,
  monthsChoice: null,
  amountText: '1,200.50',
  totalCents: 120_050n,
};

const payStep: PayStepModel = {
  format: USD,
  accountName: 'Acme',
  amountCents: 576_000n,
  description: '120 devices × 12 months on Plus',
  provider: 'sandbox',
  checkoutUrl: 'https://balance.example/pay/sandbox/pay_123',
  expiresAt: new Date('2026-12-11T15:00:00Z'),
  paymentId: 'pay_123',
};

const notice: ReloadNoticeModel = {
  format: USD,
  accountName: 'Acme',
  amountCents: 576_000n,
  balanceCents: 576_000n,
  by: 'U0PAYER',
  paymentId: 'pay_123',
};

const refund: RefundModel = {
  format: USD,
  accountName: 'Acme',
  paymentId: 'pay_123',
  refundedCents: 10_000n,
  remainingCents: 566_000n,
  balanceCents: 476_000n,
  provider: 'sandbox',
};

const blockIds = (view: ModalView) => view.blocks.map((b) => b.block_id).filter(Boolean);

function input(view: ModalView, id: string): InputBlock {
  const found = view.blocks.find((b) => b.block_id === id) as InputBlock | undefined;
  if (found?.type !== 'input') throw new Error(`no input ${id}`);
  return found;
}

function total(view: ModalView): string | undefined {
  return (view.blocks.find((b) => b.block_id === RELOAD_TOTAL_BLOCK) as SectionBlock | undefined)?.text?.text;
}

function payButton(view: ModalView): Button {
  const block = view.blocks.find((b) => b.type === 'actions') as ActionsBlock | undefined;
  const button = block?.elements[0];
  if (button?.type !== 'button') throw new Error('no pay button');
  return button;
}

describe('reloadModal', () => {
  it('has the contract ids, title and buttons', () => {
    const view = reloadModal(devicesMode);
    expect(view.callback_id).toBe(CALLBACK.reload);
    expect(view.title.text).toBe('Reload balance');
    expect(view.submit?.text).toBe('Continue to payment');
    expect(view.submit?.text.length).toBeLessThanOrEqual(24);
    expect(view.close?.text).toBe('Cancel');
    expect(view.private_metadata).toBe('{"account":7,"channel":"C1"}');
    expect(viewTexts(view)).toContain('For *Acme* · Plus ($4.00/device/month)');
    expect(viewProblems(view)).toEqual([]);
  });

  it('switches mode with radio buttons that dispatch', () => {
    for (const m of [devicesMode, amountMode]) {
      const mode = input(reloadModal(m), RELOAD_INPUT.mode);
      expect(mode.dispatch_action).toBe(true);
      const radio = mode.element as RadioButtons;
      expect(radio.action_id).toBe(RELOAD_INPUT.mode);
      expect(radio.options.map((o) => [o.value, o.text.text])).toEqual([
        ['devices', 'Devices and duration'],
        ['amount', 'A manual amount'],
      ]);
      expect(radio.initial_option?.value).toBe(m.mode);
    }
  });

  it('asks for devices and months in devices mode, with the running total', () => {
    const view = reloadModal(devicesMode);
    expect(blockIds(view)).toEqual([
      RELOAD_INPUT.mode,
      RELOAD_INPUT.devices,
      RELOAD_INPUT.months,
      RELOAD_INPUT.saveCard,
      RELOAD_TOTAL_BLOCK,
    ]);
    const devices = input(view, RELOAD_INPUT.devices);
    expect(devices.dispatch_action).toBe(true);
    expect(devices.element).toMatchObject({
      type: 'number_input',
      action_id: RELOAD_INPUT.devices,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: '1000000',
      initial_value: '120',
      dispatch_action_config: { trigger_actions_on: ['on_character_entered'] },
    });
    const months = input(view, RELOAD_INPUT.months);
    expect(months.dispatch_action).toBe(true);
    const select = months.element as StaticSelect;
    expect(select.action_id).toBe(RELOAD_INPUT.months);
    expect(select.options?.map((o) => [o.value, o.text.text])).toEqual([
      ['12', '12 months'],
      ['24', '24 months'],
      ['36', '36 months'],
      [CUSTOM_MONTHS, 'Custom…'],
    ]);
    expect(select.initial_option?.value).toBe('24');
    expect(total(view)).toBe('Total: *$11,520.00*');
  });

  it('asks for a custom number of months only when Custom… is chosen', () => {
    const view = reloadModal({
      ...devicesMode,
      monthsChoice: CUSTOM_MONTHS,
      customMonths: 18,
      totalCents: 864_000n,
    });
    const custom = input(view, RELOAD_INPUT.customMonths);
    expect(custom.dispatch_action).toBe(true);
    expect(custom.element).toMatchObject({
      type: 'number_input',
      action_id: RELOAD_INPUT.customMonths,
      min_value: '1',
      max_value: '120',
      initial_value: '18',
      dispatch_action_config: { trigger_actions_on: ['on_character_entered'] },
    });
    expect((input(view, RELOAD_INPUT.months).element as StaticSelect).initial_option?.value).toBe(
      CUSTOM_MONTHS,
    );
    expect(blockIds(reloadModal(devicesMode))).not.toContain(RELOAD_INPUT.customMonths);
    expect(blockIds(reloadModal({ ...amountMode, monthsChoice: CUSTOM_MONTHS }))).not.toContain(
      RELOAD_INPUT.customMonths,
    );
    expect(viewProblems(view)).toEqual([]);
  });

  it('offers to save the card, unticked unless asked, as an optional checkbox (SPEC §15)', () => {
    const box = input(reloadModal(devicesMode), RELOAD_INPUT.saveCard);
    expect(box.optional).toBe(true);
    expect(box.element).toMatchObject({
      type: 'checkboxes',
      action_id: RELOAD_INPUT.saveCard,
      options: [{ value: 'save', text: { text: 'Save this card for automatic reloads' } }],
    });
    expect(box.element).not.toHaveProperty('initial_options');
    const ticked = input(reloadModal({ ...devicesMode, saveCard: true }), RELOAD_INPUT.saveCard);
    expect(ticked.element).toMatchObject({ initial_options: [{ value: 'save' }] });
  });

  it('asks for an amount in amount mode, and nothing about devices', () => {
    const view = reloadModal(amountMode);
    expect(blockIds(view)).toEqual([
      RELOAD_INPUT.mode,
      RELOAD_INPUT.amount,
      RELOAD_INPUT.saveCard,
      RELOAD_TOTAL_BLOCK,
    ]);
    const amount = input(view, RELOAD_INPUT.amount);
    expect(amount.dispatch_action).toBe(true);
    expect(amount.hint?.text).toBe('From $1.00 to $10,000,000.00');
    expect(amount.element).toMatchObject({
      type: 'plain_text_input',
      action_id: RELOAD_INPUT.amount,
      placeholder: { type: 'plain_text', text: '$1,200.50' },
      initial_value: '1,200.50',
      dispatch_action_config: { trigger_actions_on: ['on_character_entered'] },
    });
    expect(total(view)).toBe('Total: *$1,200.50*');
    expect(viewProblems(view)).toEqual([]);
  });

  it('leaves inputs empty and explains the total until there is one', () => {
    const empty = { devices: null, monthsChoice: null, amountText: null, totalCents: null };
    const devices = reloadModal({ ...devicesMode, ...empty });
    expect(input(devices, RELOAD_INPUT.devices).element).not.toHaveProperty('initial_value');
    expect((input(devices, RELOAD_INPUT.months).element as StaticSelect).initial_option).toBeUndefined();
    expect(total(devices)).toBe('Enter devices and months (or an amount) to see the total.');
    const amount = reloadModal({ ...amountMode, ...empty });
    expect(input(amount, RELOAD_INPUT.amount).element).not.toHaveProperty('initial_value');
    expect(total(amount)).toBe('Enter devices and months (or an amount) to see the total.');
    expect(viewProblems(devices)).toEqual([]);
    expect(viewProblems(amount)).toEqual([]);
  });

  it('stays within limits with long, hostile names and the largest amount', () => {
    for (const accountName of [LONG_NAME, HOSTILE, 'x'.repeat(5000)]) {
      for (const m of [devicesMode, amountMode, { ...devicesMode, monthsChoice: CUSTOM_MONTHS }]) {
        const view = reloadModal({
          ...m,
          accountName,
          plan: { ...PLUS, name: accountName },
          totalCents: MAX,
          amountText: '10,000,000.00',
        });
        expect(viewProblems(view)).toEqual([]);
        expect(viewTexts(view)).not.toMatch(DANGEROUS);
        expect(total(view)).toBe('Total: *$10,000,000.00*');
      }
    }
  });
});

describe('payStepView', () => {
  it('shows the amount, the account and a URL button to checkout, with no submit', () => {
    const view = payStepView(payStep);
    expect(view.callback_id).toBe(CALLBACK.reload);
    expect(view.title.text).toBe('Reload balance');
    expect(view.submit).toBeUndefined();
    expect(view.close?.text).toBe('Done');
    const texts = viewTexts(view);
    expect(texts).toContain('Pay *$5,760.00* for *Acme*\n120 devices × 12 months on Plus');
    const button = payButton(view);
    expect(button).toMatchObject({
      action_id: PAY_BUTTON,
      url: 'https://balance.example/pay/sandbox/pay_123',
      style: 'primary',
      text: { type: 'plain_text', text: 'Pay $5,760.00' },
    });
    expect(button).not.toHaveProperty('value');
    expect(texts).toContain(
      `The payment link works until <!date^${Date.UTC(2026, 11, 11, 15) / 1000}^{date_short_pretty} {time}|2026-12-11 15:00>`,
    );
    expect(texts).toContain('Sandbox — no real money moves.');
    expect(texts).not.toContain('Stripe');
    expect(texts).toContain('Payment id `pay_123`');
    expect(viewProblems(view)).toEqual([]);
  });

  it('says checkout is by Stripe for Stripe, and leaves out a missing description', () => {
    const view = payStepView({ ...payStep, provider: 'stripe', description: null });
    const texts = viewTexts(view);
    expect(texts).toContain(
      'Secure checkout by Stripe. Your balance is credited as soon as the payment is confirmed.',
    );
    expect(texts).not.toContain('Sandbox');
    expect((view.blocks[0] as SectionBlock).text?.text).toBe('Pay *$5,760.00* for *Acme*');
  });

  it('stays within limits with long, hostile names and the largest amount', () => {
    for (const accountName of [LONG_NAME, HOSTILE, 'x'.repeat(5000)]) {
      const view = payStepView({ ...payStep, accountName, description: accountName, amountCents: MAX });
      expect(viewProblems(view)).toEqual([]);
      expect(viewTexts(view)).not.toMatch(DANGEROUS);
      expect(payButton(view).text.text).toBe('Pay $10,000,000.00');
    }
  });
});

describe('reload messages', () => {
  it('tells the payer the reload landed', () => {
    const message = reloadReceivedMessage(notice);
    const all = everything(message);
    expect(all).toContain('Your reload of *$5,760.00* for *Acme* has landed. New balance: *$5,760.00*.');
    expect(message.text).toContain('Your reload of $5,760.00 for Acme has landed. New balance: $5,760.00.');
    expect(all).toContain('Payment id `pay_123`');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('tells the billing channel who reloaded', () => {
    const message = reloadNotice(notice);
    expect(everything(message)).toContain('<@U0PAYER> reloaded *$5,760.00* by card. Balance: *$5,760.00*.');
    expect(message.text).toContain('<@U0PAYER> reloaded $5,760.00 by card. Balance: $5,760.00.');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('describes a refund, marking the sandbox', () => {
    const sandbox = everything(refundMessage(refund));
    expect(sandbox).toContain(
      'Refunded *$100.00* of payment `pay_123` for *Acme* (sandbox — no money moved).',
    );
    expect(sandbox).toContain('New balance: *$4,760.00*.');
    expect(sandbox).toContain('Left to refund on this payment: $5,660.00');
    const stripe = refundMessage({ ...refund, provider: 'stripe' });
    expect(everything(stripe)).toContain('Refunded *$100.00* of payment `pay_123` for *Acme*. New balance:');
    expect(everything(stripe)).not.toContain('sandbox');
    expect(blockKitProblems(stripe)).toEqual([]);
  });

  it('tells whoever asked how a refund left pending ended', () => {
    const resolved = {
      format: USD,
      accountName: 'Acme',
      paymentId: 'pay_123',
      amountCents: 10_000n,
      balanceCents: 476_000n,
    };
    const made = refundResolvedMessage({ ...resolved, status: 'succeeded' });
    expect(everything(made)).toContain(
      'The refund of *$100.00* of payment `pay_123` for *Acme*, left pending when the payment provider did not answer, has gone through.',
    );
    expect(made.text).toContain('Balance: $4,760.00');
    const undone = refundResolvedMessage({ ...resolved, status: 'failed', balanceCents: 486_000n });
    expect(everything(undone)).toContain('was not made: the amount is back on the balance.');
    expect(everything(undone)).toContain('Balance: $4,860.00');
    expect(blockKitProblems(made)).toEqual([]);
  });

  it('stay within limits and safe with long, hostile names and the largest amounts', () => {
    for (const accountName of [LONG_NAME, HOSTILE, 'x'.repeat(5000)]) {
      const messages = [
        reloadReceivedMessage({ ...notice, accountName, amountCents: MAX, balanceCents: 2n * MAX }),
        reloadNotice({ ...notice, accountName, by: HOSTILE, amountCents: MAX, balanceCents: 2n * MAX }),
        refundMessage({ ...refund, accountName, paymentId: `pay_\`${HOSTILE}`, refundedCents: MAX }),
        refundResolvedMessage({
          format: USD,
          accountName,
          paymentId: `pay_\`${HOSTILE}`,
          amountCents: MAX,
          status: 'failed',
          balanceCents: 2n * MAX,
        }),
      ];
      for (const message of messages) {
        expect(blockKitProblems(message)).toEqual([]);
        expect(everything(message)).not.toMatch(DANGEROUS);
      }
    }
  });
});
