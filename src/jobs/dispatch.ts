import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import {
  claimDue,
  markFailed,
  markRetry,
  markSent,
  type OutboxRow,
  type OutboxSender,
  PermanentSendError,
  RateLimitedError,
} from '../services/outbox.js';

export interface DispatchResult {
  sent: number;
  retried: number;
  failed: number;
}

export interface DispatchOptions {
  db: Db;
  sender: OutboxSender;
  clock: Clock;
  logger: Logger;
  /** Waits for a Retry-After (injectable, so tests use fake timers). */
  sleep?: (ms: number) => Promise<void>;
  batch?: number;
  /** A crashed sender's lease runs out after this, and another replica may take its messages. */
  leaseMs?: number;
  /** Stop after this many messages in one call, so a backlog never holds a job forever. */
  maxMessages?: number;
  /** The longest Retry-After the dispatcher waits out itself; longer waits are left to the next run. */
  maxWaitMs?: number;
}

const BACKOFF_BASE_MS = 5_000;
const BACKOFF_MAX_MS = 15 * 60_000;

/** 5 s, 10 s, 20 s … up to 15 minutes between tries of one message. */
export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(attempts - 1, 0), BACKOFF_MAX_MS);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends what is due in the outbox (SPEC §8): each message once (marked sent as soon as Slack confirms), failures kept
 * with back-off, Slack's Retry-After honoured, permanent refusals set aside. Never throws for a send failure.
 */
export async function dispatchOutbox(options: DispatchOptions): Promise<DispatchResult> {
  const { db, clock, logger } = options;
  const sleep = options.sleep ?? defaultSleep;
  const result: DispatchResult = { sent: 0, retried: 0, failed: 0 };
  const max = options.maxMessages ?? 1_000;
  while (result.sent + result.retried + result.failed < max) {
    const due = await claimDue(db, {
      now: clock.now(),
      leaseMs: options.leaseMs ?? 60_000,
      limit: options.batch ?? 20,
    });
    if (due.length === 0) break;
    for (const row of due) {
      const waitMs = await sendOne(options, row, result);
      if (waitMs === undefined) continue;
      if (waitMs > (options.maxWaitMs ?? 30_000)) {
        await releaseAll(options, due.slice(due.indexOf(row) + 1)); // the next run will try them
        return result;
      }
      logger.info(`Slack asked to wait ${waitMs} ms`);
      await sleep(waitMs); // then on with the batch; the waited-for message is claimed again when due
    }
  }
  return result;
}

/** Hands back claimed rows untried: no attempt counted, free for the next run at once. */
async function releaseAll(options: DispatchOptions, rows: OutboxRow[]): Promise<void> {
  for (const row of rows) {
    await markRetry(options.db, row.id, {
      error: row.lastError ?? '',
      nextAttemptAt: row.nextAttemptAt,
      countAttempt: false,
    });
  }
}

/** Returns how long Slack asked to wait, if it did. */
async function sendOne(
  options: DispatchOptions,
  row: OutboxRow,
  result: DispatchResult,
): Promise<number | undefined> {
  const { db, sender, clock, logger } = options;
  try {
    const { ts, layoutRefused } = await sender.send(row);
    // Delivered, but not as built: a rendering bug to fix, so it is an error in the log (once: the row is sent).
    const note = layoutRefused ? `blocks refused (${layoutRefused}); sent as plain text` : undefined;
    if (note) logger.error(`outbox message ${row.id} to ${row.channelId}: ${note}`);
    await markSent(db, row, { ts, now: clock.now(), note });
    result.sent++;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    if (err instanceof RateLimitedError) {
      await markRetry(db, row.id, {
        error,
        nextAttemptAt: new Date(clock.now().getTime() + err.retryAfterMs),
        countAttempt: false,
      });
      result.retried++;
      return err.retryAfterMs;
    }
    if (err instanceof PermanentSendError) {
      logger.error(`outbox message ${row.id} to ${row.channelId} refused for good: ${error}`);
      await markFailed(db, row.id, error);
      result.failed++;
      return undefined;
    }
    logger.warn(`outbox message ${row.id} not sent (try ${row.attempts}): ${error}`);
    await markRetry(db, row.id, {
      error,
      nextAttemptAt: new Date(clock.now().getTime() + backoffMs(row.attempts)),
      countAttempt: true,
    });
    result.retried++;
  }
  return undefined;
}

/**
 * One dispatcher per process: `kick()` after writing to the outbox starts a run unless one is going, in which case
 * one more run follows it (so nothing written meanwhile waits for the next minute).
 */
export function createDispatcher(run: () => Promise<DispatchResult>, logger: Logger) {
  let running: Promise<void> | undefined;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      try {
        await run();
      } catch (err) {
        logger.error('outbox dispatch failed', err);
      }
    } while (again);
    running = undefined;
  };
  return {
    kick(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = loop();
      return running;
    },
    idle(): Promise<void> {
      return running ?? Promise.resolve();
    },
  };
}
