import { and, asc, eq, or, sql } from 'drizzle-orm';
import { type Db, pgErrorCode } from '../db/client.js';
import { accountAdmins, accounts, channelLinks, ledgerAccounts, plans } from '../db/schema.js';
import type { Identity } from '../domain/identity.js';
import { PLAN_CODE } from '../domain/pricing.js';
import { checkPlainText } from '../domain/text.js';
import { UserError } from './errors.js';

export type Account = typeof accounts.$inferSelect;
export type Plan = typeof plans.$inferSelect;

export const ACCOUNT_NAME_MAX = 80;
export const PLAN_NAME_MAX = 80;

/** Creates an account with its empty wallet and receivable together. Names are unique regardless of case. */
export async function createAccount(
  db: Db,
  input: { name: string; planCode: string; actor: string; at?: Date },
): Promise<Account> {
  const checked = checkPlainText(input.name, { what: 'An account name', max: ACCOUNT_NAME_MAX });
  if (!checked.ok) throw new UserError(checked.error);
  const name = checked.text;
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

const admin = { teamId: accountAdmins.teamId, userId: accountAdmins.userId };
const isAdmin = (person: Identity) =>
  and(eq(accountAdmins.teamId, person.teamId), eq(accountAdmins.userId, person.userId));

export async function accountsAdministeredBy(db: Db, person: Identity): Promise<Account[]> {
  return db
    .select({ account: accounts })
    .from(accounts)
    .innerJoin(accountAdmins, eq(accountAdmins.accountId, accounts.id))
    .where(isAdmin(person))
    .orderBy(asc(sql`lower(${accounts.name})`))
    .then((rows) => rows.map((r) => r.account));
}

export async function adminsOf(db: Db, accountId: number): Promise<Identity[]> {
  return db
    .select(admin)
    .from(accountAdmins)
    .where(eq(accountAdmins.accountId, accountId))
    .orderBy(asc(accountAdmins.addedAt), asc(accountAdmins.teamId), asc(accountAdmins.userId));
}

/** Adds admins; returns the ones that were not admins before. */
export async function addAdmins(
  db: Db,
  accountId: number,
  people: Identity[],
  actor: string,
): Promise<Identity[]> {
  if (people.length === 0) return [];
  return db
    .insert(accountAdmins)
    .values(people.map((p) => ({ accountId, teamId: p.teamId, userId: p.userId, addedBy: actor })))
    .onConflictDoNothing()
    .returning(admin);
}

/** Removes admins; returns the ones that were admins. */
export async function removeAdmins(db: Db, accountId: number, people: Identity[]): Promise<Identity[]> {
  if (people.length === 0) return [];
  return db
    .delete(accountAdmins)
    .where(and(eq(accountAdmins.accountId, accountId), or(...people.map(isAdmin))))
    .returning(admin);
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
  const lower = code.toLowerCase();
  if (!PLAN_CODE.test(lower)) return undefined;
  const [row] = await db.select().from(plans).where(eq(plans.code, lower));
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
  const name = checkPlainText(input.name, { what: 'A plan name', max: PLAN_NAME_MAX });
  if (!name.ok) throw new UserError(name.error);
  try {
    const [plan] = await db
      .insert(plans)
      .values({ ...input, name: name.text })
      .returning();
    return plan!;
  } catch (err) {
    if (pgErrorCode(err) === '23505') throw new UserError(`A plan "${input.code}" already exists.`);
    if (pgErrorCode(err) === '23514')
      throw new UserError('A plan code is lowercase letters and digits; a price is positive.');
    throw err;
  }
}
