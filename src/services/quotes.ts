import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { quotes } from '../db/schema.js';
import { monthOf } from '../domain/billing-month.js';
import { estimate } from '../domain/pricing.js';
import { requirePlan } from './accounts.js';
import { nextInSequence } from './sequences.js';

export type Quote = typeof quotes.$inferSelect;

export const QUOTE_VALID_DAYS = 30;
const DAY_MS = 86_400_000;

/** Stores a quote under the next gapless number of its year, `Q-YYYY-NNNN`, valid for 30 days. */
export async function createQuote(
  db: Db,
  input: {
    devices: number;
    months: number;
    planCode: string;
    customer?: string;
    channelId?: string;
    actor: string;
    now: Date;
    /** The billing time zone, whose calendar year numbers the quote. */
    timeZone: string;
  },
): Promise<Quote> {
  const plan = await requirePlan(db, input.planCode);
  const figures = estimate(input.devices, input.months, plan.priceCents);
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
        createdBy: input.actor,
        createdAt: input.now,
        validUntil: new Date(input.now.getTime() + QUOTE_VALID_DAYS * DAY_MS),
      })
      .returning();
    return quote!;
  });
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
