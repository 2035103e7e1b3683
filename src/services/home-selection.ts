import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { homeSelections } from '../db/schema.js';
import type { Identity } from '../domain/identity.js';

/** Remembers which account a person's Home tab shows (finance, sales, owners and admins of many accounts pick one). */
export async function selectHomeAccount(db: Db, person: Identity, accountId: number): Promise<void> {
  await db
    .insert(homeSelections)
    .values({ teamId: person.teamId, userId: person.userId, accountId })
    .onConflictDoUpdate({
      target: [homeSelections.teamId, homeSelections.userId],
      set: { accountId, selectedAt: new Date() },
    });
}

export async function homeSelection(db: Db, person: Identity): Promise<number | undefined> {
  const [row] = await db
    .select()
    .from(homeSelections)
    .where(and(eq(homeSelections.teamId, person.teamId), eq(homeSelections.userId, person.userId)));
  return row?.accountId;
}

export async function usersViewingAccount(db: Db, accountId: number): Promise<Identity[]> {
  return db
    .select({ teamId: homeSelections.teamId, userId: homeSelections.userId })
    .from(homeSelections)
    .where(eq(homeSelections.accountId, accountId));
}
