import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { homeSelections } from '../db/schema.js';

/** Remembers which account a user's Home tab shows (finance, sales, owners and admins of many accounts pick one). */
export async function selectHomeAccount(db: Db, userId: string, accountId: number): Promise<void> {
  await db
    .insert(homeSelections)
    .values({ userId, accountId })
    .onConflictDoUpdate({ target: homeSelections.userId, set: { accountId, selectedAt: new Date() } });
}

export async function homeSelection(db: Db, userId: string): Promise<number | undefined> {
  const [row] = await db.select().from(homeSelections).where(eq(homeSelections.userId, userId));
  return row?.accountId;
}

export async function usersViewingAccount(db: Db, accountId: number): Promise<string[]> {
  const rows = await db
    .select({ userId: homeSelections.userId })
    .from(homeSelections)
    .where(eq(homeSelections.accountId, accountId));
  return rows.map((r) => r.userId);
}
