import { describe, expect, it, vi } from 'vitest';
import { CUSTOM_MONTHS } from '../../src/app/ids.js';
import type { Reply } from '../../src/app/types.js';
import { type ModalSession, runModal } from '../../src/shell/prompts.js';
import { renderModal } from '../../src/slack/render/message.js';
import { fakeInteractions, scriptedAsk } from './fakes.js';
import { estimateModalModel, payStepModel, redeemModalModel } from './models.js';

const estimateModal = () => renderModal(estimateModalModel());
const redeemModal = () => renderModal(redeemModalModel());

const ACTOR = { teamId: 'T1', userId: 'U1', channelId: 'C1' };

function session(interactions: ModalSession['interactions'], answers: string[]) {
  const transcript: string[] = [];
  const shown: Reply[] = [];
  const modalSession: ModalSession = {
    interactions,
    actor: ACTOR,
    ask: scriptedAsk(answers, transcript),
    print: (text) => transcript.push(text),
    showReplies: async (replies) => {
      shown.push(...replies);
    },
  };
  return { modalSession, transcript, shown };
}

describe('runModal', () => {
  it('re-prompts only the fields with errors, showing each error under its label, then submits again', async () => {
    let submits = 0;
    const done: Reply = { kind: 'private', message: { kind: 'text', text: 'Redeemed $50.00' } };
    const interactions = fakeInteractions({
      submit: () =>
        ++submits === 1
          ? { kind: 'errors', errors: { code: 'That code is not valid.' } }
          : { kind: 'close', replies: [done] },
    });
    const { modalSession, transcript, shown } = session(interactions, ['BAD-CODE', 'GOOD-CODE']);

    expect(await runModal(modalSession, redeemModal())).toBe('submitted');

    const output = transcript.join('\n');
    expect(output).toContain('Redeem a code\n=============\nFor Acme\nCode\n');
    expect(output).toContain(
      'Code\n  ! That code is not valid.\n  Balance codes start with BAL-, license pack codes with LP-. ' +
        "Case, spaces and hyphens don't matter.\n  (BAL-XXXX-XXXX-XXXX-XXXX-X)\n[BAD-CODE] > GOOD-CODE",
    );
    const submitted = interactions.calls.filter((call) => call.method === 'submit').map((call) => call.arg);
    expect(submitted).toEqual([
      {
        id: expect.stringMatching(/^V/),
        callbackId: 'redeem',
        privateMetadata: '',
        values: { code: { code: { type: 'plain_text_input', value: 'BAD-CODE' } } },
      },
      expect.objectContaining({
        values: { code: { code: { type: 'plain_text_input', value: 'GOOD-CODE' } } },
      }),
    ]);
    expect(shown).toEqual([done]);
  });

  it('re-prompts only the field with an error, not the others (an optional one included)', async () => {
    let submits = 0;
    const interactions = fakeInteractions({
      submit: () =>
        ++submits === 1
          ? { kind: 'errors', errors: { devices: 'Enter at most 1,000,000 devices.' } }
          : { kind: 'close', replies: [] },
      action: (input) => {
        const custom = input.view?.values.months?.months?.selected_option?.value === CUSTOM_MONTHS;
        const view = estimateModalModel({ custom, devices: 25, months: custom ? 15 : 12 });
        return [{ kind: 'update_modal', viewId: input.view!.id, view }];
      },
    });
    const { modalSession, transcript } = session(interactions, ['25', '4', '15', '', '30']);
    expect(await runModal(modalSession, estimateModal())).toBe('submitted');
    const output = transcript.join('\n');
    expect(output).toContain(
      'Devices\n  ! Enter at most 1,000,000 devices.\n  (How many devices?)\n[25] > 30',
    );
    expect(output.match(/Number of months \(optional\)/g)).toHaveLength(1);
    expect(output.match(/^Plan$/gm)).toHaveLength(1);
    expect(submits).toBe(2);
  });

  it('dispatches live inputs, swaps in the updated view and prompts the input that appeared', async () => {
    const interactions = fakeInteractions({
      action: (input) => {
        const months = input.view?.values.months?.months?.selected_option?.value;
        const custom = months === CUSTOM_MONTHS;
        return [
          {
            kind: 'update_modal',
            viewId: input.view!.id,
            view: estimateModalModel({ custom, devices: 25, months: custom ? 15 : 12 }),
          },
        ];
      },
    });
    const { modalSession, transcript } = session(interactions, ['25', '4', '15', 'plus']);

    expect(await runModal(modalSession, estimateModal())).toBe('submitted');

    const output = transcript.join('\n');
    expect(output).toContain('Devices\n  (How many devices?)\n> 25\n$600.00 for 25 devices × 12 months');
    expect(output).toContain(
      'Months\n  (How long?)\n  [1] 12 months\n  [2] 24 months\n  [3] 36 months\n  [4] Custom…\n[12 months] > 4',
    );
    expect(output).toContain('$750.00 for 25 devices × 15 months\nNumber of months (optional)\n');
    expect(output).toContain('[15] > 15');
    const actions = interactions.calls.filter((call) => call.method === 'action').map((call) => call.arg);
    expect(actions).toMatchObject([
      { actionId: 'devices', blockId: 'devices', value: '25' },
      { actionId: 'months', blockId: 'months', selectedValue: CUSTOM_MONTHS },
      { actionId: 'custom_months', blockId: 'custom_months', value: '15' },
      { actionId: 'plan', blockId: 'plan', selectedValue: 'plus' },
    ]);
    const submit = interactions.calls.find((call) => call.method === 'submit')!.arg as { values: unknown };
    expect(submit.values).toEqual({
      devices: { devices: { type: 'number_input', value: '25' } },
      months: {
        months: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Custom…' }, value: 'custom' },
        },
      },
      custom_months: { custom_months: { type: 'number_input', value: '15' } },
      plan: {
        plan: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Plus — $4.00/device/month' }, value: 'plus' },
        },
      },
    });
  });

  it('checks number inputs like Slack’s client and re-asks without submitting', async () => {
    const interactions = fakeInteractions({});
    const { modalSession, transcript } = session(interactions, ['0', 'ten', '3', '', '1']);
    await runModal(modalSession, estimateModal());
    expect(transcript.join('\n')).toContain(
      '> 0\n  ! Enter a number of at least 1.\n> ten\n  ! Enter a whole number.\n> 3',
    );
  });

  it('abandons the modal on cancel without submitting', async () => {
    const interactions = fakeInteractions({});
    const { modalSession, transcript } = session(interactions, ['cancel']);
    expect(await runModal(modalSession, redeemModal())).toBe('cancelled');
    expect(transcript).toContain('(modal cancelled)');
    expect(interactions.calls).toEqual([]);
  });

  it('shows an updated step and submits it on Enter, under the same view id', async () => {
    let step = 0;
    const interactions = fakeInteractions({
      submit: () =>
        ++step === 1
          ? { kind: 'update', view: estimateModalModel({ devices: 25 }) }
          : { kind: 'close', replies: [] },
    });
    const { modalSession, transcript } = session(interactions, ['ABC', '', '', '']);
    expect(await runModal(modalSession, redeemModal())).toBe('submitted');
    const output = transcript.join('\n');
    expect(output).toContain('Estimate\n========\n$600.00 for 25 devices × 12 months\nDevices\n');
    expect(output).toContain('[25] > ');
    const ids = interactions.calls
      .filter((call) => call.method === 'submit')
      .map((call) => (call.arg as { id: string }).id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('prints the pay step’s link; the step has no submit button, so Enter closes it', async () => {
    const interactions = fakeInteractions({ submit: () => ({ kind: 'update', view: payStepModel() }) });
    const { modalSession, transcript } = session(interactions, ['ABC', '', '']);
    expect(await runModal(modalSession, redeemModal())).toBe('closed');
    expect(transcript.join('\n')).toContain('[Pay $600.00] https://pay.test/1');
    expect(interactions.calls.filter((call) => call.method === 'submit')).toHaveLength(1);
  });

  it('gives every modal a view id no other shell process has used (a payment is idempotent on it)', async () => {
    const viewIdOfAFreshProcess = async () => {
      vi.resetModules(); // a new shell process starts with the module loaded afresh
      const fresh = await import('../../src/shell/prompts.js');
      const interactions = fakeInteractions({ submit: () => ({ kind: 'close', replies: [] }) });
      await fresh.runModal(session(interactions, ['ABC', '']).modalSession, redeemModal());
      return (interactions.calls[0]!.arg as { id: string }).id;
    };
    const first = await viewIdOfAFreshProcess();
    expect(first).toMatch(/^VSHELL[0-9A-F]{32}$/);
    expect(await viewIdOfAFreshProcess()).not.toBe(first);
  });
});
