import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Reply } from '../app/types.js';
import type { Logger } from '../logger.js';
import { renderMessage, renderModal } from './render/message.js';

/** Where a request came from, and the means Slack gave to answer it. */
export interface Origin {
  userId: string;
  channelId?: string;
  triggerId?: string;
  respond?: RespondFn;
}

/** Renders the use cases' replies (view models) to Block Kit and sends them through the Slack Web API (or the request's response_url). */
export async function deliver(
  client: WebClient,
  origin: Origin,
  replies: Reply[],
  logger: Logger,
): Promise<void> {
  for (const reply of replies) {
    try {
      await deliverOne(client, origin, reply);
    } catch (err) {
      logger.error(`could not deliver a ${reply.kind} reply`, err);
    }
  }
}

async function deliverOne(client: WebClient, origin: Origin, reply: Reply): Promise<void> {
  switch (reply.kind) {
    case 'private':
      return sendPrivate(client, origin, reply);
    case 'channel':
      return postInChannel(client, origin, reply);
    case 'thread':
      await client.chat.postMessage({
        channel: reply.channelId,
        thread_ts: reply.threadTs,
        ...renderMessage(reply.message),
      });
      return;
    case 'open_modal':
      if (!origin.triggerId) throw new Error('a modal needs a trigger_id');
      await client.views.open({ trigger_id: origin.triggerId, view: renderModal(reply.view) });
      return;
    case 'update_modal':
      await client.views.update({ view_id: reply.viewId, hash: reply.hash, view: renderModal(reply.view) });
      return;
  }
}

/** Ephemeral where the user is (response_url first: it works in DMs and private channels), else a DM. */
async function sendPrivate(client: WebClient, origin: Origin, reply: Extract<Reply, { kind: 'private' }>) {
  const { channelId, threadTs } = reply;
  const message = renderMessage(reply.message);
  if (origin.respond && !channelId && !threadTs) {
    await origin.respond({ response_type: 'ephemeral', replace_original: false, ...message });
    return;
  }
  const channel = channelId ?? origin.channelId;
  if (channel) {
    await client.chat.postEphemeral({ channel, user: origin.userId, thread_ts: threadTs, ...message });
    return;
  }
  await client.chat.postMessage({ channel: origin.userId, ...message });
}

/** Posts for everyone; where the bot may not post (a private channel it is not in), falls back to response_url. */
async function postInChannel(client: WebClient, origin: Origin, reply: Extract<Reply, { kind: 'channel' }>) {
  if (!origin.channelId) throw new Error('a channel post needs a channel');
  const message = renderMessage(reply.message);
  try {
    const posted = await client.chat.postMessage({ channel: origin.channelId, ...message });
    if (posted.ts && posted.channel) await reply.onPosted?.({ channelId: posted.channel, ts: posted.ts });
  } catch (err) {
    if (!origin.respond) throw err;
    await origin.respond({ response_type: 'in_channel', ...message });
  }
}
