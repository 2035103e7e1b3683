import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import { ACTION, CALLBACK, CUSTOM_MONTHS, ESTIMATE_INPUT, ESTIMATE_TOTAL_BLOCK } from '../../src/app/ids.js';
import type { Message } from '../../src/slack/render/mrkdwn-text.js';

/**
 * Block Kit written by hand for the reader's own tests (render.test.ts): entities, fields, contexts and selects as
 * Slack sends them. The shell's session tests use the app's real renderers instead (./models.ts).
 */

export const ESTIMATE_MESSAGE: Message = {
  text: 'Estimate: 25 devices × 12 months on Standard = $600.00',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Estimate' } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: '*25 devices* × *12 months* on _Standard_ = *$600.00*' },
      fields: [
        { type: 'mrkdwn', text: '*Unit price*\n$2.00 / device / month' },
        { type: 'mrkdwn', text: '*Balance*\n$1,250.00' },
        {
          type: 'mrkdwn',
          text: '*Runway*\n25 months, until <!date^1798243200^{date_short_pretty}|2026-12-26>',
        },
      ],
    },
    { type: 'divider' },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Asked by <@U123> in <#C777|billing> &amp; shared &lt;today&gt;' }],
    },
    {
      type: 'actions',
      block_id: 'estimate_actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION.shareAsQuote,
          text: { type: 'plain_text', text: 'Share as quote' },
          value: '{"devices":25,"months":12,"plan":"standard"}',
        },
        {
          type: 'button',
          action_id: ACTION.reloadThisAmount,
          text: { type: 'plain_text', text: 'Reload this amount' },
          value: '{"devices":25,"months":12,"plan":"standard"}',
          style: 'primary',
        },
      ],
    },
  ],
};

const MONTH_OPTIONS = [
  ...['12', '24', '36'].map((months) => ({
    text: { type: 'plain_text' as const, text: `${months} months` },
    value: months,
  })),
  { text: { type: 'plain_text' as const, text: 'Custom…' }, value: CUSTOM_MONTHS },
];

const PLAN_OPTIONS = [
  { text: { type: 'plain_text' as const, text: 'Standard ($2.00)' }, value: 'standard' },
  { text: { type: 'plain_text' as const, text: 'Plus ($4.00)' }, value: 'plus' },
];

export function estimateModal(options: { custom?: boolean; total?: string } = {}): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: ESTIMATE_INPUT.devices,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Devices' },
      hint: { type: 'plain_text', text: 'How many devices you manage' },
      element: {
        type: 'number_input',
        action_id: ESTIMATE_INPUT.devices,
        is_decimal_allowed: false,
        min_value: '1',
        placeholder: { type: 'plain_text', text: 'e.g. 25' },
      },
    },
    {
      type: 'input',
      block_id: ESTIMATE_INPUT.months,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Months' },
      element: {
        type: 'static_select',
        action_id: ESTIMATE_INPUT.months,
        options: MONTH_OPTIONS,
        initial_option: MONTH_OPTIONS[0],
      },
    },
  ];
  if (options.custom) {
    blocks.push({
      type: 'input',
      block_id: ESTIMATE_INPUT.customMonths,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Custom months' },
      element: { type: 'number_input', action_id: ESTIMATE_INPUT.customMonths, is_decimal_allowed: false },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: ESTIMATE_INPUT.plan,
      label: { type: 'plain_text', text: 'Plan' },
      element: { type: 'static_select', action_id: ESTIMATE_INPUT.plan, options: PLAN_OPTIONS },
    },
    {
      type: 'section',
      block_id: ESTIMATE_TOTAL_BLOCK,
      text: { type: 'mrkdwn', text: `*Total:* ${options.total ?? '—'}` },
    },
  );
  return {
    type: 'modal',
    callback_id: CALLBACK.estimate,
    private_metadata: '{"channel":"C1"}',
    title: { type: 'plain_text', text: 'Estimate' },
    submit: { type: 'plain_text', text: 'Estimate' },
    blocks,
  };
}

export const HOME_VIEW: HomeView = {
  type: 'home',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Acme' } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Balance*\n$1,250.00' },
        { type: 'mrkdwn', text: '*Devices*\n25' },
      ],
    },
    {
      type: 'actions',
      block_id: 'home_actions',
      elements: [
        { type: 'button', action_id: ACTION.homeEstimate, text: { type: 'plain_text', text: 'Estimate' } },
        { type: 'button', action_id: ACTION.homeRedeem, text: { type: 'plain_text', text: 'Redeem a code' } },
      ],
    },
  ],
};
