import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ACTION, CUSTOM_MONTHS } from '../../src/app/ids.js';
import type { ActionInput, Reply } from '../../src/app/types.js';
import { runShell, shellNotifier, shellOutboxSender } from '../../src/shell/shell.js';
import { type FakeInteractions, fakeInteractions } from './fakes.js';
import { ESTIMATE_REPLY, estimateModalModel, HOME_MODEL, QUOTE_REPLY } from './models.js';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (chunk) => {
    text += chunk;
  });
  return () => text;
}

/** Feeds `lines` as piped stdin and runs the shell to the end; resolves with everything printed. */
async function script(interactions: FakeInteractions, lines: string[], onExit = () => {}): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  const printed = collect(output);
  input.end(lines.map((line) => `${line}\n`).join(''));
  await runShell({
    interactions,
    input,
    output,
    person: { teamId: 'T1', userId: 'U1' },
    channelId: 'C1',
    onExit,
  });
  return printed();
}

function estimateFlow(onPosted: (where: { channelId: string; ts: string }) => Promise<void>) {
  return fakeInteractions({
    command: (text): Reply[] => {
      if (text === 'help')
        return [
          {
            kind: 'private',
            message: {
              kind: 'help',
              model: { commands: [{ usage: '/balance estimate [<devices> …]', description: 'the price' }] },
            },
          },
        ];
      if (text === 'estimate') return [{ kind: 'open_modal', view: estimateModalModel() }];
      throw new Error(`unknown subcommand "${text}"\n    at parse (commands.ts:1:1)`);
    },
    action: (input: ActionInput): Reply[] => {
      if (input.actionId === ACTION.shareAsQuote)
        return [{ kind: 'channel', message: QUOTE_REPLY, onPosted }];
      const months = input.view?.values.months?.months?.selected_option?.value;
      const custom = months === CUSTOM_MONTHS;
      const view = estimateModalModel({ custom, devices: 25, months: custom ? 18 : 12 });
      return [{ kind: 'update_modal', viewId: input.view!.id, view }];
    },
    submit: () => ({ kind: 'close', replies: [{ kind: 'private', message: ESTIMATE_REPLY }] }),
  });
}

describe('runShell', () => {
  it('runs help, a modal with a custom-months swap, a numbered click and exit', async () => {
    const onPosted = vi.fn(async () => {});
    const onExit = vi.fn();
    const interactions = estimateFlow(onPosted);

    const output = await script(
      interactions,
      ['/balance help', '/balance estimate', '25', 'custom', '18', '1', '1', 'exit', 'never read'],
      onExit,
    );

    expect(output).toContain(
      'balance> /balance help\nBalance — a prepaid balance for your devices. Here is what you can run:\n' +
        '`/balance estimate [<devices> …]` — the price\n',
    );
    expect(output).toContain('Months\n  (How long?)\n  [1] 12 months');
    expect(output).toContain(
      '[12 months] > custom\n$900.00 for 25 devices × 18 months\nNumber of months (optional)\n  A whole number from 1 to 120.\n[18] > 18',
    );
    expect(output).toContain(
      'Acme — balance $1,250.00: covers 25.0 months now at $50.00 a month (until 2029-01-10).\n',
    );
    expect(output).toContain(
      '[1] Share as quote   [2] Reload this amount\nbalance> 1\n[posted in #local]\nQuote Q-2026-0001',
    );
    expect(output.trimEnd().endsWith('balance> exit')).toBe(true);
    expect(onExit).toHaveBeenCalledOnce();

    expect(interactions.calls.map((call) => call.method)).toEqual([
      'command',
      'command',
      'action',
      'action',
      'action',
      'action',
      'submit',
      'action',
    ]);
    const click = interactions.calls.at(-1)!;
    expect(click.actor).toEqual({ teamId: 'T1', userId: 'U1', channelId: 'C1' });
    expect(click.arg).toMatchObject({
      actionId: ACTION.shareAsQuote,
      value: '{"devices":25,"months":12,"plan":"standard"}',
      message: { channelId: 'C1', ts: expect.stringMatching(/^\d+\.\d{6}$/) },
    });
    expect(onPosted).toHaveBeenCalledWith({ channelId: 'C1', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
  });

  it('accepts a line without /balance, help alone, and shows the Home tab with clickable buttons', async () => {
    const interactions = fakeInteractions({ home: () => HOME_MODEL });
    const output = await script(interactions, ['help', 'status', 'home', '2']);
    expect(interactions.calls.map((call) => [call.method, call.arg])).toEqual([
      ['command', 'help'],
      ['command', 'status'],
      ['home', 'U1'],
      ['action', { actionId: ACTION.homeRedeem, value: '7' }],
    ]);
    expect(interactions.calls[3]!.actor).toEqual({ teamId: 'T1', userId: 'U1' });
    expect(output).toContain('Balance:              $1,250.00\nDevices now:          25 devices\n');
    expect(output).toContain('[1] Estimate   [2] Redeem a code   [3] Reload balance');
  });

  it('prints one error line without a stack trace and carries on; ends cleanly at the end of input', async () => {
    const interactions = estimateFlow(async () => {});
    const output = await script(interactions, ['/balance frobnicate', '/balance help']);
    expect(output).toContain('error: unknown subcommand "frobnicate"\n');
    expect(output).not.toContain('at parse');
    expect(output).toContain('Here is what you can run:');
  });

  it('turns ids typed as mentions into escaped mentions, as Slack does with should_escape', async () => {
    const interactions = fakeInteractions({});
    await script(interactions, [
      '/balance roles grant @U0AB12 sales',
      '/balance config finance-channel #C0FIN',
    ]);
    expect(interactions.calls.map((call) => call.arg)).toEqual([
      'roles grant <@U0AB12> sales',
      'config finance-channel <#C0FIN>',
    ]);
  });

  it('says so for another slash command and for a choice number that does not exist', async () => {
    const interactions = fakeInteractions({ home: () => HOME_MODEL });
    const output = await script(interactions, ['/deploy now', 'home', '7', 'quit']);
    expect(output).toContain('unknown command: /deploy (try /balance help)');
    expect(output).toContain('no choice [7]: pick 1–3');
    expect(interactions.calls.map((call) => call.method)).toEqual(['home']);
  });
});

describe('shellNotifier', () => {
  it('prints a Home publish as one short line', async () => {
    const output = new PassThrough();
    const printed = collect(output);
    await shellNotifier(output).publishHome('U1', HOME_MODEL);
    expect(printed()).toBe('[home tab of @U1 updated]\n');
  });

  it('prints what the outbox sends, with its channel', async () => {
    const output = new PassThrough();
    const printed = collect(output);
    const sender = shellOutboxSender(output, async () => ({
      kind: 'message',
      message: { kind: 'text', text: 'Invoice run for 2026-11: 3 accounts' },
    }));
    await sender.send({ channelId: 'C0FIN' } as Parameters<typeof sender.send>[0]);
    expect(printed()).toBe('[to #C0FIN] Invoice run for 2026-11: 3 accounts\n');
  });
});
