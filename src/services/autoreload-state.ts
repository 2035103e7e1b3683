import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { autoReloadSettings } from '../db/schema.js';
import type { SavedCard } from './payments/cards.js';

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
