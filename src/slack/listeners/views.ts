import type { App } from '@slack/bolt';
import { CALLBACK } from '../../app/ids.js';
import type { Interactions, ViewValues } from '../../app/types.js';
import type { Logger } from '../../logger.js';
import { deliver } from '../deliver.js';
import { renderFieldError, renderModal } from '../render/message.js';
import { exactlyOneOf } from './match.js';
import { personOf } from './person.js';

/** Modal submissions: field errors and next steps answer in the ack (`response_action`); replies follow. */
export function registerViews(app: App, interactions: Interactions, logger: Logger): void {
  app.view({ callback_id: exactlyOneOf(Object.values(CALLBACK)) }, async ({ ack, body, view, client }) => {
    const actor = personOf(body.user.id, body.user.team_id, body.team?.id);
    const result = await interactions.submit(actor, {
      id: view.id,
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: view.state.values as unknown as ViewValues,
    });
    if (result.kind === 'errors') {
      const errors = Object.fromEntries(
        Object.entries(result.errors).map(([block, error]) => [block, renderFieldError(error)]),
      );
      return ack({ response_action: 'errors', errors });
    }
    if (result.kind === 'update') return ack({ response_action: 'update', view: renderModal(result.view) });
    await ack();
    await deliver(client, actor, result.replies, logger);
  });
}
