import type { App } from '@slack/bolt';
import { SLASH_COMMAND } from '../../app/ids.js';
import type { Interactions, Reply } from '../../app/types.js';
import type { Logger } from '../../logger.js';
import { deliver } from '../deliver.js';
import { renderMessage } from '../render/message.js';
import { personOf } from './person.js';

/** Slack wants an answer within 3 s; past this budget we ack empty and answer through response_url. */
const ACK_BUDGET_MS = 2_000;

/**
 * `/balance …`: the first private reply goes back in the ack itself (the fastest answer, no extra API call); modals,
 * channel posts and anything slower than the budget follow through the Web API.
 */
export function registerCommand(app: App, interactions: Interactions, logger: Logger): void {
  app.command(SLASH_COMMAND, async ({ command, ack, respond, client }) => {
    const actor = {
      ...personOf(command.user_id, command.team_id),
      channelId: command.channel_id,
      requestId: command.trigger_id,
    };
    const work = interactions.command(actor, command.text ?? '');
    let budget: NodeJS.Timeout | undefined;
    const timer = new Promise<'late'>((resolve) => {
      budget = setTimeout(resolve, ACK_BUDGET_MS, 'late').unref();
    });
    const first = await Promise.race([work, timer]);
    clearTimeout(budget); // a timer left for every answer fires 2 s later for nothing
    const origin = { ...actor, triggerId: command.trigger_id, respond };
    if (first === 'late') {
      await ack();
      await deliver(client, origin, await work, logger);
      return;
    }
    const inAck = first.find(
      (r): r is Extract<Reply, { kind: 'private' }> => r.kind === 'private' && !r.channelId,
    );
    await ack(inAck ? { response_type: 'ephemeral', ...renderMessage(inAck.message) } : undefined);
    await deliver(
      client,
      origin,
      first.filter((r) => r !== inAck),
      logger,
    );
  });
}
