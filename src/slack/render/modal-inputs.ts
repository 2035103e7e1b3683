// Inputs shared by the modals that ask for devices and a duration (Estimate and Reload): the same elements,
// each dispatching a block action as the user types so the modal can show a running total.

import type { DispatchActionConfig, InputBlock, PlainTextOption, StaticSelect } from '@slack/types';
import { CUSTOM_MONTHS } from '../../app/ids.js';
import { DEVICES, MONTHS } from '../../domain/money.js';
import { COMPARISON_MONTHS } from '../../domain/pricing.js';
import { monthsText, plain } from './mrkdwn-text.js';

/** Dispatch a block action on every character typed (number and text inputs). */
export function onCharacterEntered(): DispatchActionConfig {
  return { trigger_actions_on: ['on_character_entered'] };
}

/** `devices` number input: whole numbers within DEVICES; block_id and action_id are `id`. */
export function devicesInput(id: string, devices: number | null): InputBlock {
  return {
    type: 'input',
    block_id: id,
    dispatch_action: true,
    label: plain('Devices'),
    element: {
      type: 'number_input',
      action_id: id,
      is_decimal_allowed: false,
      min_value: String(DEVICES.min),
      max_value: String(DEVICES.max),
      placeholder: plain('How many devices?'),
      dispatch_action_config: onCharacterEntered(),
      ...(devices !== null ? { initial_value: String(devices) } : {}),
    },
  };
}

/** `months` select: 12, 24, 36 months or Custom… (`CUSTOM_MONTHS`); `choice` is the selected value. */
export function monthsInput(id: string, choice: string | null): InputBlock {
  const options: PlainTextOption[] = [
    ...COMPARISON_MONTHS.map((n) => ({ text: plain(monthsText(n)), value: String(n) })),
    { text: plain('Custom…'), value: CUSTOM_MONTHS },
  ];
  const select: StaticSelect = {
    type: 'static_select',
    action_id: id,
    placeholder: plain('How long?'),
    options,
  };
  const initial = options.find((o) => o.value === choice);
  if (initial) select.initial_option = initial;
  return {
    type: 'input',
    block_id: id,
    dispatch_action: true,
    label: plain('Months'),
    element: select,
  };
}

/** The number of months when Custom… is chosen: whole numbers within MONTHS. */
export function customMonthsInput(id: string, months: number | null): InputBlock {
  return {
    type: 'input',
    block_id: id,
    optional: true,
    dispatch_action: true,
    label: plain('Number of months'),
    hint: plain(`A whole number from ${MONTHS.min} to ${MONTHS.max}.`),
    element: {
      type: 'number_input',
      action_id: id,
      is_decimal_allowed: false,
      min_value: String(MONTHS.min),
      max_value: String(MONTHS.max),
      dispatch_action_config: onCharacterEntered(),
      ...(months !== null ? { initial_value: String(months) } : {}),
    },
  };
}
