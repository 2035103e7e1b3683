import type { InputBlock, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import { CALLBACK, CUSTOM_MONTHS, ESTIMATE_INPUT, ESTIMATE_TOTAL_BLOCK } from '../../app/ids.js';
import type { EstimateModalModel, Format, PlanChoice } from '../../app/views.js';
import { BLOCK_KIT } from './block-kit-limits.js';
import { customMonthsInput, devicesInput, monthsInput } from './modal-inputs.js';
import { devicesText, money, monthsText, plain, plainUserText, section, truncate } from './mrkdwn-text.js';

export const ESTIMATE_EMPTY_TOTAL = 'Enter devices and months to see the total.';

/** The Estimate modal, re-rendered with the running total as the user types. */
export function estimateModal(m: EstimateModalModel): ModalView {
  const blocks: KnownBlock[] = [
    devicesInput(ESTIMATE_INPUT.devices, m.devices),
    monthsInput(ESTIMATE_INPUT.months, m.monthsChoice),
  ];
  if (m.monthsChoice === CUSTOM_MONTHS)
    blocks.push(customMonthsInput(ESTIMATE_INPUT.customMonths, m.customMonths));
  blocks.push(planInput(m.plans, m.planCode, m.format));
  blocks.push(section(totalText(m), ESTIMATE_TOTAL_BLOCK));
  return {
    type: 'modal',
    callback_id: CALLBACK.estimate,
    title: plain('Estimate'),
    submit: plain('Show estimate'),
    close: plain('Cancel'),
    private_metadata: m.privateMetadata,
    blocks,
  };
}

function totalText(m: EstimateModalModel): string {
  if (!m.estimate) return ESTIMATE_EMPTY_TOTAL;
  const { totalCents, devices, months } = m.estimate;
  return `*${money(totalCents, m.format)}* for ${devicesText(devices)} × ${monthsText(months)}`;
}

/** `Plus — $4.00/device/month`, within an option's 75 characters (the price is never cut). */
export function planOptionText(plan: PlanChoice, format: Format): string {
  const price = ` — ${money(plan.priceCents, format)}/device/month`;
  return plainUserText(plan.name, Math.max(BLOCK_KIT.optionText - price.length, 8)) + price;
}

function planInput(plans: PlanChoice[], planCode: string, format: Format): InputBlock {
  const chosen = plans.find((p) => p.code === planCode);
  // A static select holds 100 options; the chosen plan always stays among them.
  const shown = plans
    .filter((p, i) => p === chosen || i < BLOCK_KIT.selectOptions - (chosen ? 1 : 0))
    .slice(0, 100);
  const toOption = (p: PlanChoice): PlainTextOption => ({
    text: plain(truncate(planOptionText(p, format), BLOCK_KIT.optionText)),
    value: p.code,
  });
  const select: StaticSelect = {
    type: 'static_select',
    action_id: ESTIMATE_INPUT.plan,
    options: shown.map(toOption),
  };
  if (chosen) select.initial_option = toOption(chosen);
  return {
    type: 'input',
    block_id: ESTIMATE_INPUT.plan,
    dispatch_action: true,
    label: plain('Plan'),
    element: select,
  };
}
