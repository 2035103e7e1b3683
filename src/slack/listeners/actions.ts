import type { App, BlockAction } from '@slack/bolt';
import { ACTION, ESTIMATE_INPUT, PAY_BUTTON, RELOAD_INPUT } from '../../app/ids.js';
import type { ActionInput, Interactions, ViewValues } from '../../app/types.js';
import type { Logger } from '../../logger.js';
import { deliver } from '../deliver.js';
import { exactlyOneOf } from './match.js';
import { personOf } from './person.js';

/**
 * Every button and select the app sends: acked at once, then handed to the command layer. One listener matching
 * them all: Bolt runs every listener's middleware on every request, a command's included.
 */
export function registerActions(app: App, interactions: Interactions, logger: Logger): void {
  const ids = [
    ...Object.values(ACTION),
    ...Object.values(ESTIMATE_INPUT),
    ...Object.values(RELOAD_INPUT),
    PAY_BUTTON,
  ];
  app.action<BlockAction>(
    { action_id: exactlyOneOf(ids) },
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const input = toActionInput(body, action as BlockAction['actions'][number]);
      const channelId = body.channel?.id ?? body.container?.channel_id;
      const person = personOf(body.user.id, body.user.team_id, body.team?.id);
      const replies = await interactions.action({ ...person, channelId, requestId: body.trigger_id }, input);
      const origin = {
        userId: person.userId,
        channelId,
        triggerId: body.trigger_id,
        respond: body.response_url ? respond : undefined,
      };
      await deliver(client, origin, replies, logger);
    },
  );
}

function toActionInput(body: BlockAction, action: BlockAction['actions'][number]): ActionInput {
  const view = body.view;
  const container = body.container as
    | { channel_id?: string; message_ts?: string; thread_ts?: string }
    | undefined;
  return {
    actionId: action.action_id,
    blockId: action.block_id,
    value: 'value' in action ? (action.value ?? undefined) : undefined,
    selectedValue: 'selected_option' in action ? action.selected_option?.value : undefined,
    view: view
      ? {
          id: view.id,
          hash: view.hash,
          callbackId: view.callback_id,
          privateMetadata: view.private_metadata,
          values: view.state.values as unknown as ViewValues,
        }
      : undefined,
    message:
      container?.channel_id && container.message_ts
        ? { channelId: container.channel_id, ts: container.message_ts, threadTs: container.thread_ts }
        : undefined,
  };
}
