import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type Db, pgErrorCode } from '../db/client.js';
import { accountAdmins, accounts, channelLinks, ledgerAccounts, plans } from '../db/schema.js';
import { UserError } from './errors.js';

export type Account = typeof accounts.$inferSelect;
export type Plan = typeof plans.$inferSelect;

export const ACCOUNT_NAME_MAX = 80;

/** Creates an account with its empty wallet and receivable together. Names are unique regardless of case. */
export async function createAccount(
  db: Db,
  input: { name: string; planCode: string; actor: string; at?: Date },
): Promise<Account> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > ACCOUNT_NAME_MAX || /\p{Cc}/u.test(name)) {
    throw new UserError(`An account name is 1–${ACCOUNT_NAME_MAX} characters of text.`);
  }
  await requirePlan(db, input.planCode);
  try {
    return await db.transaction(async (tx) => {
      const [account] = await tx
        .insert(accounts)
        .values({
          name,
          planCode: input.planCode,
          createdBy: input.actor,
          ...(input.at ? { createdAt: input.at } : {}),
        })
        .returning();
      await tx.insert(ledgerAccounts).values([
        { kind: 'wallet', accountId: account!.id, balance: 0n },
        { kind: 'receivable', accountId: account!.id, balance: 0n },
      ]);
      return account!;
    });
  } catch (err) {
    if (pgErrorCode(err) === '23505') throw new UserError(`An account named "${name}" already exists.`);
    throw err;
  }
}

export async function getAccount(db: Db, id: number): Promise<Account | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  return row;
}

export async function findAccountByName(db: Db, name: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accounts).where(sql`lower(${accounts.name}) = lower(${name.trim()})`);
  return row;
}

/** Accounts by name; `limit` for pickers, which hold only so many (a static select: 100). */
export async function listAccounts(db: Db, limit?: number): Promise<Account[]> {
  const query = db
    .select()
    .from(accounts)
    .orderBy(asc(sql`lower(${accounts.name})`));
  return limit === undefined ? query : query.limit(limit);
}

export async function accountsAdministeredBy(db: Db, userId: string): Promise<Account[]> {
  return db
    .select({ account: accounts })
    .from(accounts)
    .innerJoin(accountAdmins, eq(accountAdmins.accountId, accounts.id))
    .where(eq(accountAdmins.userId, userId))
    .orderBy(asc(sql`lower(${accounts.name})`))
    .then((rows) => rows.map((r) => r.account));
}

export async function adminsOf(db: Db, accountId: number): Promise<string[]> {
  const rows = await db
    .select({ userId: accountAdmins.userId })
    .from(accountAdmins)
    .where(eq(accountAdmins.accountId, accountId))
    .orderBy(asc(accountAdmins.addedAt), asc(accountAdmins.userId));
  return rows.map((r) => r.userId);
}

/** Adds admins; returns the ones that were not admins before. */
export async function addAdmins(
  db: Db,
  accountId: number,
  userIds: string[],
  actor: string,
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const added = await db
    .insert(accountAdmins)
    .values(userIds.map((userId) => ({ accountId, userId, addedBy: actor })))
    .onConflictDoNothing()
    .returning({ userId: accountAdmins.userId });
  return added.map((r) => r.userId);
}

/** Removes admins; returns the ones that were admins. */
export async function removeAdmins(db: Db, accountId: number, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const removed = await db
    .delete(accountAdmins)
    .where(and(eq(accountAdmins.accountId, accountId), inArray(accountAdmins.userId, userIds)))
    .returning({ userId: accountAdmins.userId });
  return removed.map((r) => r.userId);
}

/** Ties a channel to an account (moving it if it was tied to another); the account's billing channel defaults to it. */
export async function linkChannel(
  db: Db,
  channelId: string,
  accountId: number,
  actor: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(channelLinks)
      .values({ channelId, accountId, linkedBy: actor })
      .onConflictDoUpdate({
        target: channelLinks.channelId,
        set: { accountId, linkedBy: actor, linkedAt: new Date() },
      });
    await tx
      .update(accounts)
      .set({ billingChannelId: channelId })
      .where(and(eq(accounts.id, accountId), sql`${accounts.billingChannelId} is null`));
  });
}

export async function accountForChannel(db: Db, channelId: string): Promise<Account | undefined> {
  const [row] = await db
    .select({ account: accounts })
    .from(channelLinks)
    .innerJoin(accounts, eq(accounts.id, channelLinks.accountId))
    .where(eq(channelLinks.channelId, channelId));
  return row?.account;
}

export async function setAccountPlan(db: Db, accountId: number, planCode: string): Promise<Plan> {
  const plan = await requirePlan(db, planCode);
  await db.update(accounts).set({ planCode }).where(eq(accounts.id, accountId));
  return plan;
}

export async function updateAccountSettings(
  db: Db,
  accountId: number,
  changes: Partial<Pick<Account, 'billingChannelId' | 'alertChannelId' | 'alertThresholdTenths'>>,
): Promise<void> {
  await db.update(accounts).set(changes).where(eq(accounts.id, accountId));
}

export async function listPlans(db: Db): Promise<Plan[]> {
  return db.select().from(plans).orderBy(asc(plans.priceCents), asc(plans.code));
}

export async function getPlan(db: Db, code: string): Promise<Plan | undefined> {
  // Only what could be a plan code reaches the database (a NUL byte would make PostgreSQL refuse the query).
  if (!/^[a-z][a-z0-9_-]{0,31}$/i.test(code)) return undefined;
  const [row] = await db.select().from(plans).where(eq(plans.code, code.toLowerCase()));
  return row;
}

export async function requirePlan(db: Db, code: string): Promise<Plan> {
  const plan = await getPlan(db, code);
  if (plan) return plan;
  const known = (await listPlans(db)).map((p) => p.code).join(', ');
  throw new UserError(`There is no plan "${code.slice(0, 40)}". Plans: ${known}.`);
}

export async function addPlan(
  db: Db,
  input: { code: string; name: string; priceCents: bigint },
): Promise<Plan> {
  try {
    const [plan] = await db.insert(plans).values(input).returning();
    return plan!;
  } catch (err) {
    if (pgErrorCode(err) === '23505') throw new UserError(`A plan "${input.code}" already exists.`);
    if (pgErrorCode(err) === '23514')
      throw new UserError('A plan code is lowercase letters and digits; a price is positive.');
    throw err;
  }
}
