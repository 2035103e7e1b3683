import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { quotes } from '../db/schema.js';
import { monthOf } from '../domain/billing-month.js';
import { groupDigits } from '../domain/money.js';
import { estimate } from '../domain/pricing.js';
import { requirePlan } from './accounts.js';
import { AlreadyDoneError, RequestConflictError, type UserError } from './errors.js';
import { requireWithinLimits } from './limits.js';
import { nextInSequence } from './sequences.js';

export type Quote = typeof quotes.$inferSelect;

export const QUOTE_VALID_DAYS = 30;
const DAY_MS = 86_400_000;

export interface QuoteRequest {
  devices: number;
  months: number;
  planCode: string;
  customer?: string;
  channelId?: string;
  /** The request that asks (Slack trigger id): one quote per request. */
  requestId: string;
  actor: string;
  now: Date;
  /** The billing time zone, whose calendar year numbers the quote. */
  timeZone: string;
  currency: string;
}

/**
 * Stores a quote under the next gapless number of its year, `Q-YYYY-NNNN`, valid for 30 days, if its total is within
 * the amount limits. One quote per request: a replay (or a twin, which waits for the first and then finds its quote)
 * gets AlreadyDoneError and takes no number; the same request id with other arguments is refused.
 */
export async function createQuote(db: Db, input: QuoteRequest): Promise<Quote> {
  const plan = await requirePlan(db, input.planCode);
  const figures = estimate(input.devices, input.months, plan.priceCents);
  requireWithinLimits(
    figures.totalCents,
    input.currency,
    `A quote of ${groupDigits(input.devices)} devices × ${input.months} months on ${plan.name}`,
  );
  const year = monthOf(input.now, input.timeZone).slice(0, 4);
  return db.transaction(async (tx) => {
    const seq = await nextInSequence(tx, `quote:${year}`);
    const [quote] = await tx
      .insert(quotes)
      .values({
        number: `Q-${year}-${String(seq).padStart(4, '0')}`,
        devices: input.devices,
        months: input.months,
        planCode: plan.code,
        unitPriceCents: plan.priceCents,
        totalCents: figures.totalCents,
        customer: input.customer,
        channelId: input.channelId,
        requestId: input.requestId,
        createdBy: input.actor,
        createdAt: input.now,
        validUntil: new Date(input.now.getTime() + QUOTE_VALID_DAYS * DAY_MS),
      })
      .onConflictDoNothing({ target: quotes.requestId })
      .returning();
    // Thrown inside the transaction, so the number taken above goes back and the series stays gapless.
    if (!quote) throw await replayRefusal(tx, input);
    return quote;
  });
}

/** The quote this request made before: the same arguments are a replay, others a conflict. */
async function replayRefusal(db: Db, input: QuoteRequest): Promise<UserError> {
  const [quote] = await db.select().from(quotes).where(eq(quotes.requestId, input.requestId));
  const same =
    quote !== undefined &&
    quote.createdBy === input.actor &&
    quote.devices === input.devices &&
    quote.months === input.months &&
    quote.planCode === input.planCode &&
    quote.customer === (input.customer ?? null);
  if (!same)
    return new RequestConflictError('This request was already used for another quote. Nothing was made.');
  return new AlreadyDoneError(`This request already made quote ${quote.number}. Nothing new was made.`);
}

/** Remembers where the quote was posted, so replies about it (an issued code) can go in its thread. */
export async function setQuoteMessage(
  db: Db,
  quoteId: number,
  channelId: string,
  messageTs: string,
): Promise<void> {
  await db.update(quotes).set({ channelId, messageTs }).where(eq(quotes.id, quoteId));
}

export async function getQuote(db: Db, id: number): Promise<Quote | undefined> {
  const [row] = await db.select().from(quotes).where(eq(quotes.id, id));
  return row;
}
