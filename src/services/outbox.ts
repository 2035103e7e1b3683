import { and, eq, type SQL, sql } from 'drizzle-orm';
import { at, type Db, queryRows } from '../db/client.js';
import { outbox } from '../db/schema.js';
import type { Json } from '../domain/json-codec.js';

/**
 * What the outbox holds: events to announce, rendered into Slack messages only when sent, so the domain that writes
 * them (invoicing, alerts) knows nothing of Slack. `view` carries a use case's view model (JSON, see
 * domain/json-codec.ts), rendered at send time like the rest; `notice` is plain words.
 */
export type OutboxEvent =
  | { type: 'view'; view: Json }
  | { type: 'notice'; text: string }
  | { type: 'invoice'; invoiceId: number }
  /** The invoice's PDF, as a file in the same channel (SPEC §17). */
  | { type: 'invoice_pdf'; invoiceId: number }
  | { type: 'run_summary'; runId: number }
  | { type: 'run_csv'; runId: number }
  | {
      type: 'low_balance';
      accountId: number;
      state: 'low' | 'empty';
      balanceCents: string;
      monthlyCents: string;
      thresholdTenths: number;
      at: string;
    }
  | { type: 'alert_resolved'; accountId: number; balanceCents: string; monthlyCents: string; at: string }
  /** Jamf Pro device syncs of an account have failed several times in a row (SPEC §16); `reason` is safe to show. */
  | { type: 'device_sync_failing'; accountId: number; since: string; reason: string }
  | { type: 'device_sync_recovered'; accountId: number; since: string; at: string; devices: number }
  /** SPEC §14: `day` days after issue, `outstandingCents` still owed on `today` (local dates 'YYYY-MM-DD'). */
  | {
      type: 'invoice_reminder';
      invoiceId: number;
      day: number;
      outstandingCents: string;
      dueDate: string;
      today: string;
    }
  | { type: 'account_suspended'; accountId: number; since: string; overdueCents: string }
  | { type: 'account_restored'; accountId: number; since: string; at: string }
  /** SPEC §15: an off-session charge declined; `turnedOff` after the third in a row, else no try before `retryAfter`. */
  | {
      type: 'auto_reload_declined';
      audience: 'admins' | 'finance';
      accountId: number;
      chargeId: number;
      amountCents: string;
      reason: string;
      declines: number;
      turnedOff: boolean;
      retryAfter: string | null;
    };

export interface OutboxItem {
  /** Writing the same key twice writes one message. */
  dedupeKey: string;
  /** A channel id, or a user id for a DM. */
  channelId: string;
  event: OutboxEvent;
}

export type OutboxRow = typeof outbox.$inferSelect;

/** Events sent as a file upload rather than a message. */
const FILE_EVENTS: ReadonlySet<OutboxEvent['type']> = new Set(['run_csv', 'invoice_pdf']);

/** Queues items in the caller's transaction (one statement however many). */
export async function enqueue(db: Db, items: OutboxItem[], now: Date): Promise<number> {
  if (items.length === 0) return 0;
  const rows = items.map((i) => ({ dedupe_key: i.dedupeKey, channel_id: i.channelId, payload: i.event }));
  const inserted = await queryRows<{ id: unknown }>(
    db,
    sql`${outboxInsert(
      sql`select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            as r(dedupe_key text, channel_id text, payload jsonb)`,
      now,
    )} returning id`,
  );
  return inserted.length;
}

/**
 * The INSERT that queues the rows of `source` — (dedupe key, channel id, event as jsonb), in the order given — for
 * `enqueue`, or as a CTE of a set-based statement that writes its messages itself (the invoice run).
 */
export function outboxInsert(source: SQL, now: Date): SQL {
  const files = sql.join(
    [...FILE_EVENTS].map((type) => sql`${type}`),
    sql`, `,
  );
  return sql`insert into outbox (dedupe_key, kind, channel_id, payload, next_attempt_at, created_at)
    select x.dedupe_key, case when x.payload->>'type' in (${files}) then 'file' else 'message' end,
           x.channel_id, x.payload, ${at(now)}, ${at(now)}
    from (${source}) as x(dedupe_key, channel_id, payload)
    on conflict (dedupe_key) do nothing`;
}

/**
 * Takes up to `limit` due messages for this dispatcher: leased with SKIP LOCKED, so each message is in the hands of
 * one replica at a time; a lease that runs out (a crashed sender) frees the message for the next try.
 */
export async function claimDue(
  db: Db,
  input: { now: Date; leaseMs: number; limit: number },
): Promise<OutboxRow[]> {
  const leaseUntil = new Date(input.now.getTime() + input.leaseMs);
  const claimed = await db
    .update(outbox)
    .set({ leaseUntil, attempts: sql`${outbox.attempts} + 1` })
    .where(
      sql`${outbox.id} in (
        select id from outbox
        where status = 'pending' and next_attempt_at <= ${at(input.now)}
          and (lease_until is null or lease_until < ${at(input.now)})
        order by next_attempt_at, id
        limit ${input.limit}
        for update skip locked)`,
    )
    .returning();
  return claimed.sort((a, b) => a.id - b.id);
}

/**
 * What a message's delivery queues next: an invoice's PDF follows its message into the channel (SPEC §17), so it is
 * never posted before the message, nor at all for a message Slack refuses.
 */
function followUpOf(row: Pick<OutboxRow, 'channelId' | 'payload'>): OutboxItem | undefined {
  const event = row.payload as OutboxEvent;
  if (event.type !== 'invoice') return undefined;
  return {
    dedupeKey: `invoice-pdf:${event.invoiceId}`,
    channelId: row.channelId,
    event: { type: 'invoice_pdf', invoiceId: event.invoiceId },
  };
}

/**
 * Marks a pending message sent and, in the same transaction, queues what follows it: a message marked sent always
 * has its follow-up, and a second mark (the row no longer pending) queues none. `note`: how the sending went wrong
 * without losing the message (its blocks refused, its text sent), kept.
 */
export async function markSent(
  db: Db,
  row: Pick<OutboxRow, 'id' | 'channelId' | 'payload'>,
  input: { ts: string | null; now: Date; note?: string },
): Promise<void> {
  const mark = (handle: Db) =>
    handle
      .update(outbox)
      .set({
        status: 'sent',
        sentAt: input.now,
        slackTs: input.ts,
        leaseUntil: null,
        lastError: input.note?.slice(0, 500) ?? null,
      })
      .where(and(eq(outbox.id, row.id), eq(outbox.status, 'pending')))
      .returning({ id: outbox.id });
  const followUp = followUpOf(row);
  if (!followUp) {
    await mark(db);
    return;
  }
  await db.transaction(async (tx) => {
    if ((await mark(tx)).length > 0) await enqueue(tx, [followUp], input.now);
  });
}

/** Keeps the message for a later try; `countAttempt: false` when Slack only asked to wait (429). */
export async function markRetry(
  db: Db,
  id: number,
  input: { error: string; nextAttemptAt: Date; countAttempt: boolean },
): Promise<void> {
  await db
    .update(outbox)
    .set({
      nextAttemptAt: input.nextAttemptAt,
      leaseUntil: null,
      lastError: input.error.slice(0, 500),
      ...(input.countAttempt ? {} : { attempts: sql`greatest(${outbox.attempts} - 1, 0)` }),
    })
    .where(eq(outbox.id, id));
}

/** A message Slack will never take (the channel is gone, the blocks are invalid): kept, marked, not retried. */
export async function markFailed(db: Db, id: number, error: string): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'failed', leaseUntil: null, lastError: error.slice(0, 500) })
    .where(eq(outbox.id, id));
}

export async function pendingCount(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(
    db,
    sql`select count(*) as n from outbox where status = 'pending'`,
  );
  return Number(row?.n ?? 0);
}

// ─── the port each door implements to send what the outbox holds ─────────────────────────────────────────

/** The door asked to wait (Slack: HTTP 429 with Retry-After). */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited: retry after ${retryAfterMs} ms`);
  }
}

/** Slack will never take this message (channel gone, text too long…): retrying cannot help. */
export class PermanentSendError extends Error {
  /** Slack's error code (`channel_not_found`); the message may add Slack's details. */
  constructor(
    readonly code: string,
    message = code,
  ) {
    super(message);
  }
}

/** Sends one outbox row the way the door it serves sends messages (Slack Web API, or the shell's terminal). */
export interface OutboxSender {
  /** `layoutRefused`: the door refused the message's blocks and delivered its plain text instead; why. */
  send(row: OutboxRow): Promise<{ ts: string | null; layoutRefused?: string }>;
}
