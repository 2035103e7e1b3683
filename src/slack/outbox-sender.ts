import { ErrorCode, WebClient } from '@slack/web-api';
import { renderOutbox } from '../commands/outbox-render.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { type OutboxSender, PermanentSendError, RateLimitedError } from '../jobs/dispatch.js';
import type { Logger } from '../logger.js';
import type { Format } from './blocks/models.js';

/** Slack errors that name something wrong with this one message: retrying it cannot help. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'cannot_dm_bot',
  'user_not_found',
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
  return {
    async send(row) {
      const rendered = await renderOutbox(db, format, row);
      try {
        if (rendered.kind === 'message') {
          const posted = await client.chat.postMessage({ channel: row.channelId, ...rendered.message });
          return { ts: posted.ts ?? null };
        }
        await client.files.uploadV2({
          channel_id: row.channelId,
          filename: rendered.name,
          content: rendered.content,
          title: rendered.name,
          initial_comment: rendered.comment,
        });
        return { ts: null };
      } catch (err) {
        throw classify(err);
      }
    },
  };
}

function classify(err: unknown): unknown {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === ErrorCode.RateLimitedError) return new RateLimitedError((e.retryAfter ?? 1) * 1000);
  if (e.code === ErrorCode.PlatformError && e.data?.error && PERMANENT.has(e.data.error)) {
    return new PermanentSendError(e.data.error);
  }
  return err;
}
