import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { type Db, toBigInt } from '../db/client.js';
import { autoReloadCharges, autoReloadSettings } from '../db/schema.js';
import { monthOf } from '../domain/billing-month.js';
import type { CollectionsContext } from './collections.js';
import { cardOf, type SavedCard } from './payments/cards.js';

// What an account's auto-reload is, read only: summary.ts shows it without importing the charging (which settles
// invoices, which restores accounts, which reads the summary).

export type AutoReloadSettings = typeof autoReloadSettings.$inferSelect;

export async function autoReloadOf(db: Db, accountId: number): Promise<AutoReloadSettings | undefined> {
  const [row] = await db.select().from(autoReloadSettings).where(eq(autoReloadSettings.accountId, accountId));
  return row;
}

export interface AutoReloadState {
  settings: AutoReloadSettings | undefined;
  card: SavedCard | undefined;
  /** Charges that count against `max_per_month` this billing month. */
  thisMonth: number;
  lastDecline: { at: Date; reason: string } | undefined;
}

/** What `status`, Home and `/balance card` say about auto-reload and the card (SPEC §15). */
export async function autoReloadState(
  db: Db,
  accountId: number,
  ctx: CollectionsContext,
): Promise<AutoReloadState> {
  const month = monthOf(ctx.now, ctx.timeZone);
  const [settings, card, counted, [declined]] = await Promise.all([
    autoReloadOf(db, accountId),
    cardOf(db, accountId),
    db
      .select({ n: sql<unknown>`count(*)` })
      .from(autoReloadCharges)
      .where(
        and(
          eq(autoReloadCharges.accountId, accountId),
          eq(autoReloadCharges.billingMonth, month),
          inArray(autoReloadCharges.state, ['pending', 'succeeded']),
        ),
      ),
    db
      .select()
      .from(autoReloadCharges)
      .where(
        and(
          eq(autoReloadCharges.accountId, accountId),
          eq(autoReloadCharges.state, 'declined'),
          isNotNull(autoReloadCharges.resolvedAt),
        ),
      )
      .orderBy(desc(autoReloadCharges.id))
      .limit(1),
  ]);
  return {
    settings,
    card,
    thisMonth: Number(toBigInt(counted[0]?.n)),
    lastDecline: declined
      ? { at: declined.resolvedAt!, reason: declined.declineReason ?? 'declined' }
      : undefined,
  };
}
