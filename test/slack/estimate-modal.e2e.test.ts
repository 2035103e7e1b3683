import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTION, CALLBACK, CUSTOM_MONTHS, ESTIMATE_INPUT, ESTIMATE_TOTAL_BLOCK } from '../../src/app/ids.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { ACME_CHANNEL, PEOPLE, seedPeople, slackUser } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack } from '../support/slack.js';

type View = {
  callback_id: string;
  private_metadata: string;
  blocks: Array<{
    block_id?: string;
    type: string;
    text?: { text: string };
    element?: { action_id: string };
  }>;
};

const state = (devices: string, months: string, plan: string, custom?: string) => ({
  values: {
    [ESTIMATE_INPUT.devices]: { [ESTIMATE_INPUT.devices]: { type: 'number_input', value: devices } },
    [ESTIMATE_INPUT.months]: {
      [ESTIMATE_INPUT.months]: { type: 'static_select', selected_option: months ? { value: months } : null },
    },
    ...(custom === undefined
      ? {}
      : {
          [ESTIMATE_INPUT.customMonths]: {
            [ESTIMATE_INPUT.customMonths]: { type: 'number_input', value: custom },
          },
        }),
    [ESTIMATE_INPUT.plan]: {
      [ESTIMATE_INPUT.plan]: { type: 'static_select', selected_option: { value: plan } },
    },
  },
});

describeDatabases('the Estimate modal', (t) => {
  let slack: SlackHarness;
  beforeEach(async () => {
    slack = await startSlack(t.db);
    await seedPeople(t.db);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const viewPayload = (view: View, stateValues: ReturnType<typeof state>) => ({
    id: 'V123',
    hash: 'h1',
    callback_id: view.callback_id,
    private_metadata: view.private_metadata,
    state: stateValues,
    blocks: view.blocks,
    type: 'modal',
  });

  it('opens, shows the running total as the user types, and posts the estimate on submit', async () => {
    const opened = slackApi('views.open', { view: { id: 'V123' } });
    const ack = await slack.command('estimate', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    expect(await ack.text()).toBe('');
    await slack.settle();
    await expect.poll(() => opened.length).toBe(1);
    const view = (opened[0] as { view: View }).view;
    expect(view.callback_id).toBe(CALLBACK.estimate);
    expect(view.blocks.map((b) => b.block_id)).toEqual(
      expect.arrayContaining([
        ESTIMATE_INPUT.devices,
        ESTIMATE_INPUT.months,
        ESTIMATE_INPUT.plan,
        ESTIMATE_TOTAL_BLOCK,
      ]),
    );

    // The user types 120 devices with 24 months on plus: the modal is updated with the total.
    const updated = slackApi('views.update');
    const typed = await slack.interaction({
      type: 'block_actions',
      user: slackUser('admin'),
      api_app_id: 'A1',
      trigger_id: 'trigger.2',
      container: { type: 'view', view_id: 'V123' },
      view: viewPayload(view, state('120', '24', 'plus')),
      actions: [
        {
          type: 'number_input',
          action_id: ESTIMATE_INPUT.devices,
          block_id: ESTIMATE_INPUT.devices,
          value: '120',
        },
      ],
    });
    expect(typed.status).toBe(200);
    await expect.poll(() => updated.length).toBe(1);
    const live = (updated[0] as { view: View; view_id: string }).view;
    expect((updated[0] as { view_id: string }).view_id).toBe('V123');
    const total = live.blocks.find((b) => b.block_id === ESTIMATE_TOTAL_BLOCK);
    expect(total?.text?.text).toContain('$11,520.00');

    // Choosing "Custom…" brings the custom months field.
    const updatedCustom = slackApi('views.update');
    await slack.interaction({
      type: 'block_actions',
      user: slackUser('admin'),
      api_app_id: 'A1',
      container: { type: 'view', view_id: 'V123' },
      view: viewPayload(view, state('120', CUSTOM_MONTHS, 'plus')),
      actions: [
        {
          type: 'static_select',
          action_id: ESTIMATE_INPUT.months,
          block_id: ESTIMATE_INPUT.months,
          selected_option: { value: CUSTOM_MONTHS },
        },
      ],
    });
    await expect.poll(() => updatedCustom.length).toBe(1);
    expect((updatedCustom[0] as { view: View }).view.blocks.map((b) => b.block_id)).toContain(
      ESTIMATE_INPUT.customMonths,
    );

    // Submit: the estimate goes to the channel the modal was opened in, privately.
    const ephemeral = slackApi('chat.postEphemeral');
    const submitted = await slack.interaction({
      type: 'view_submission',
      user: slackUser('admin'),
      api_app_id: 'A1',
      view: viewPayload(live, state('120', '24', 'plus')),
    });
    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toBe('');
    await expect.poll(() => ephemeral.length).toBe(1);
    const message = ephemeral[0] as { channel: string; user: string; text: string };
    expect(message).toMatchObject({ channel: ACME_CHANNEL, user: PEOPLE.admin });
    expect(message.text).toContain('$11,520.00');
  });

  it('keeps the modal open with field errors for bad values and writes nothing', async () => {
    const before = await tableCounts(t.db);
    const submit = (s: ReturnType<typeof state>) =>
      slack.interaction({
        type: 'view_submission',
        user: slackUser('admin'),
        api_app_id: 'A1',
        view: {
          id: 'V9',
          callback_id: CALLBACK.estimate,
          private_metadata: '{}',
          state: s,
          type: 'modal',
          blocks: [],
        },
      });
    for (const devices of ['0', '-5', '1000001', 'lots', '2.5']) {
      const res = await submit(state(devices, '12', 'standard'));
      const body = (await res.json()) as { response_action: string; errors: Record<string, string> };
      expect(body.response_action).toBe('errors');
      expect(Object.keys(body.errors)).toEqual([ESTIMATE_INPUT.devices]);
      expect(body.errors[ESTIMATE_INPUT.devices]).toMatch(/whole number from 1 to 1,000,000/);
    }
    const custom = await submit(state('10', CUSTOM_MONTHS, 'standard', '121'));
    expect(((await custom.json()) as { errors: Record<string, string> }).errors).toEqual({
      [ESTIMATE_INPUT.customMonths]: expect.stringMatching(/Months must be a whole number from 1 to 120/),
    });
    const plan = await submit(state('10', '12', 'gold'));
    expect(((await plan.json()) as { errors: Record<string, string> }).errors).toEqual({
      [ESTIMATE_INPUT.plan]: 'Choose a plan.',
    });
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('its Estimate button, which names no account, opens the Estimate modal', async () => {
    // A person with no role and no account gets the welcome tab; its button is clicked exactly as Slack sends it.
    const published = slackApi('views.publish');
    await slack.event({ type: 'app_home_opened', user: PEOPLE.nobody, channel: 'D1', tab: 'home' });
    await expect.poll(() => published.length).toBe(1);
    type Button = { type: string; action_id: string; value?: string };
    const blocks = (published[0] as { view: { blocks: Array<{ elements?: Button[] }> } }).view.blocks;
    const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION.homeEstimate);
    expect(button).toBeDefined();
    expect(button!.value).toBeUndefined();

    const opened = slackApi('views.open');
    const res = await slack.interaction({
      type: 'block_actions',
      user: slackUser('nobody'),
      api_app_id: 'A1',
      trigger_id: 'trigger.welcome',
      container: { type: 'view', view_id: 'VHOME' },
      actions: [{ type: 'button', action_id: button!.action_id, block_id: 'b', ...button }],
    });
    expect(res.status).toBe(200);
    await expect.poll(() => opened.length).toBe(1);
    expect((opened[0] as { view: View }).view.callback_id).toBe(CALLBACK.estimate);
    expect(slack.logLines.join('\n')).not.toMatch(/"level":"error"/);
  });
});
