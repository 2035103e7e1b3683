import type { Reply, SubmitResult } from '../../src/app/types.js';
import { renderFieldError, renderMessage, renderModal } from '../../src/slack/render/message.js';

/** The replies as the Slack door sends them: every view model rendered to Block Kit, the rest as it is. */
export function slackReplies(replies: Reply[]) {
  return replies.map((reply) =>
    reply.kind === 'open_modal' || reply.kind === 'update_modal'
      ? { ...reply, view: renderModal(reply.view) }
      : { ...reply, message: renderMessage(reply.message) },
  );
}

/** A modal submission's answer as the Slack door acks it (field errors as text, the next step as Block Kit). */
export function slackResult(result: SubmitResult) {
  switch (result.kind) {
    case 'errors':
      return {
        kind: result.kind,
        errors: Object.fromEntries(Object.entries(result.errors).map(([k, e]) => [k, renderFieldError(e)])),
      };
    case 'update':
      return { kind: result.kind, view: renderModal(result.view) };
    case 'close':
      return { kind: result.kind, replies: slackReplies(result.replies) };
  }
}
