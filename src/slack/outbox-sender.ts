import { ErrorCode, WebClient } from '@slack/web-api';
import { outboxMessage } from '../app/outbox-messages.js';
import type { Format } from '../app/views.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { InvoiceDocuments } from '../documents/invoice-documents.js';
import type { Logger } from '../logger.js';
import { type OutboxSender, PermanentSendError, RateLimitedError } from '../services/outbox.js';
import { renderMessage } from './render/message.js';
import type { Message } from './render/mrkdwn-text.js';

/** Slack errors that name something wrong with where the message goes or with its text: retrying cannot help. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'cannot_dm_bot',
  'user_not_found',
]);

/**
 * Slack errors about what the message looks like — its blocks or attachments (a rendering bug, a limit): the
 * plain-text fallback can still go. `invalid_arguments` may be about the blocks too; if the text alone is also
 * refused, that refusal is final.
 */
const LAYOUT_REFUSED = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'too_many_blocks',
  'invalid_attachments',
  'too_many_attachments',
  'attachment_payload_limit_exceeded',
  'invalid_arguments',
]);

/**
 * Sends outbox rows through the Web API with a client of its own: no hidden retries (the outbox retries, with
 * back-off, across runs and restarts), rate limits surfaced as errors with their Retry-After, a 10 s timeout.
 */
export function slackOutboxSender(
  config: Config,
  db: Db,
  format: Format,
  logger: Logger,
  documents: InvoiceDocuments,
  timeoutMs = 10_000,
): OutboxSender {
  const client = new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl
      ? { slackApiUrl: config.slack.apiUrl.endsWith('/') ? config.slack.apiUrl : `${config.slack.apiUrl}/` }
      : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logger,
  });
  const post = async (channel: string, message: Message) => {
    try {
      return (await client.chat.postMessage({ channel, ...message })).ts ?? null;
    } catch (err) {
      throw classify(err);
    }
  };
  const postText = async (channel: string, text: string, refusal: string) => {
    try {
      return await post(channel, { text });
    } catch (err) {
      if (err instanceof PermanentSendError) {
        throw new PermanentSendError(err.code, `blocks refused (${refusal}), then the text: ${err.message}`);
      }
      throw err;
    }
  };
  return {
    async send(row) {
      const output = await outboxMessage(db, format, row, documents);
      if (output.kind === 'message') {
        const message = renderMessage(output.message);
        try {
          return { ts: await post(row.channelId, message) };
        } catch (err) {
          const refusal = layoutRefusal(err, message);
          if (refusal === undefined) throw err;
          // No notice is lost to a rendering bug: the same words go as plain text, and the refusal is reported.
          return {
            ts: await postText(row.channelId, message.text, refusal),
            layoutRefused: refusal,
          };
        }
      }
      try {
        await client.files.uploadV2({
          channel_id: row.channelId,
          filename: output.name,
          // Text (a CSV) as text, bytes (a PDF) as a file.
          ...(typeof output.content === 'string' ? { content: output.content } : { file: output.content }),
          title: output.name,
          initial_comment: output.comment,
        });
        return { ts: null };
      } catch (err) {
        throw classify(err);
      }
    },
  };
}

/** Slack's refusal of the message's blocks, if that is what `err` is and the message has blocks to drop. */
function layoutRefusal(err: unknown, message: Message): string | undefined {
  if (!(err instanceof PermanentSendError) || !message.blocks?.length) return undefined;
  return LAYOUT_REFUSED.has(err.code) ? err.message : undefined;
}

function classify(err: unknown): unknown {
  const e = err as {
    code?: string;
    retryAfter?: number;
    data?: { error?: string; response_metadata?: { messages?: string[] } };
  };
  if (e.code === ErrorCode.RateLimitedError) return new RateLimitedError((e.retryAfter ?? 1) * 1000);
  const error = e.data?.error;
  if (e.code === ErrorCode.PlatformError && error && (PERMANENT.has(error) || LAYOUT_REFUSED.has(error))) {
    const details = e.data?.response_metadata?.messages?.join('; ');
    return new PermanentSendError(error, details ? `${error}: ${details}` : error);
  }
  return err;
}
