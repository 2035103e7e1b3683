import type { InputBlock, SectionBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { CALLBACK, CUSTOM_MONTHS, ESTIMATE_INPUT, ESTIMATE_TOTAL_BLOCK } from '../../../src/app/ids.js';
import type { EstimateModalModel } from '../../../src/app/views.js';
import { viewProblems } from '../../../src/slack/limits.js';
import { estimateModal } from '../../../src/slack/render/estimate-modal.js';
import { PLUS, plusEstimate, STANDARD, USD } from './fixtures.js';

const empty: EstimateModalModel = {
  format: USD,
  plans: [STANDARD, PLUS],
  devices: null,
  monthsChoice: null,
  customMonths: null,
  planCode: 'plus',
  estimate: null,
  privateMetadata: '{"channel":"C1"}',
};

const maybeInput = (view: ReturnType<typeof estimateModal>, id: string) =>
  view.blocks.find((b) => b.block_id === id) as InputBlock | undefined;

function input(view: ReturnType<typeof estimateModal>, id: string): InputBlock {
  const found = maybeInput(view, id);
  if (!found) throw new Error(`no input ${id}`);
  return found;
}

describe('estimateModal', () => {
  it('has the contract ids, title and buttons', () => {
    const view = estimateModal(empty);
    expect(view.callback_id).toBe(CALLBACK.estimate);
    expect(view.title.text).toBe('Estimate');
    expect(view.submit?.text).toBe('Show estimate');
    expect(view.close?.text).toBe('Cancel');
    expect(view.private_metadata).toBe('{"channel":"C1"}');
    expect(viewProblems(view)).toEqual([]);
  });

  it('dispatches every input as the user types', () => {
    const view = estimateModal(empty);
    const devices = input(view, ESTIMATE_INPUT.devices);
    expect(devices.dispatch_action).toBe(true);
    expect(devices.element).toMatchObject({
      type: 'number_input',
      action_id: ESTIMATE_INPUT.devices,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: '1000000',
      dispatch_action_config: { trigger_actions_on: ['on_character_entered'] },
    });
    expect(devices.element).not.toHaveProperty('initial_value');
    const months = input(view, ESTIMATE_INPUT.months);
    expect(months.dispatch_action).toBe(true);
    const select = months.element as StaticSelect;
    expect(select.action_id).toBe(ESTIMATE_INPUT.months);
    expect(select.options?.map((o) => [o.value, o.text.text])).toEqual([
      ['12', '12 months'],
      ['24', '24 months'],
      ['36', '36 months'],
      [CUSTOM_MONTHS, 'Custom…'],
    ]);
    expect(select.initial_option).toBeUndefined();
    expect(maybeInput(view, ESTIMATE_INPUT.customMonths)).toBeUndefined();
    const plan = input(view, ESTIMATE_INPUT.plan);
    expect(plan.dispatch_action).toBe(true);
    const plans = plan.element as StaticSelect;
    expect(plans.options?.map((o) => o.text.text)).toEqual([
      'Standard — $2.00/device/month',
      'Plus — $4.00/device/month',
    ]);
    expect(plans.initial_option?.value).toBe('plus');
    const total = view.blocks.find((b) => b.block_id === ESTIMATE_TOTAL_BLOCK) as SectionBlock;
    expect(total.text?.text).toBe('Enter devices and months to see the total.');
  });

  it('keeps what the user entered and shows the running total', () => {
    const view = estimateModal({
      ...empty,
      devices: 120,
      monthsChoice: '24',
      estimate: plusEstimate(120, 24),
    });
    expect(input(view, ESTIMATE_INPUT.devices).element).toMatchObject({ initial_value: '120' });
    expect((input(view, ESTIMATE_INPUT.months).element as StaticSelect).initial_option?.value).toBe('24');
    const total = view.blocks.find((b) => b.block_id === ESTIMATE_TOTAL_BLOCK) as SectionBlock;
    expect(total.text?.text).toBe('*$11,520.00* for 120 devices × 24 months');
    expect(viewProblems(view)).toEqual([]);
  });

  it('asks for a custom number of months only when Custom… is chosen', () => {
    const view = estimateModal({ ...empty, monthsChoice: CUSTOM_MONTHS, customMonths: 18 });
    const custom = input(view, ESTIMATE_INPUT.customMonths);
    expect(custom.optional).toBe(true);
    expect(custom.dispatch_action).toBe(true);
    expect(custom.element).toMatchObject({
      type: 'number_input',
      action_id: ESTIMATE_INPUT.customMonths,
      min_value: '1',
      max_value: '120',
      initial_value: '18',
    });
    expect((input(view, ESTIMATE_INPUT.months).element as StaticSelect).initial_option?.value).toBe(
      CUSTOM_MONTHS,
    );
    expect(viewProblems(view)).toEqual([]);
  });

  it('stays within limits with 150 plans with 80-character names', () => {
    const plans = Array.from({ length: 150 }, (_, i) => ({
      code: `p${i}`,
      name: `${'Plan'.repeat(20)} ${i}`,
      priceCents: 123_456_789n,
    }));
    const view = estimateModal({ ...empty, plans, planCode: 'p149' });
    expect(viewProblems(view)).toEqual([]);
    const select = input(view, ESTIMATE_INPUT.plan).element as StaticSelect;
    expect(select.initial_option?.value).toBe('p149');
    expect(select.options?.[0]?.text.text).toMatch(/… — \$1,234,567\.89\/device\/month$/);
  });
});
