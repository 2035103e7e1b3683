import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { accountAdmins, type GlobalRole, userRoles } from '../db/schema.js';

/** What one Slack user may do (SPEC §3): owners from the configuration, global roles, and the accounts they run. */
export interface Roles {
  userId: string;
  owner: boolean;
  finance: boolean;
  sales: boolean;
  adminOf: number[];
}

export async function rolesOf(db: Db, userId: string, owners: readonly string[]): Promise<Roles> {
  const [granted, admin] = await Promise.all([
    db.select({ role: userRoles.role }).from(userRoles).where(eq(userRoles.userId, userId)),
    db
      .select({ accountId: accountAdmins.accountId })
      .from(accountAdmins)
      .where(eq(accountAdmins.userId, userId)),
  ]);
  const has = (role: GlobalRole) => granted.some((g) => g.role === role);
  return {
    userId,
    owner: owners.includes(userId),
    finance: has('finance'),
    sales: has('sales'),
    adminOf: admin.map((a) => a.accountId),
  };
}

/** Grants a global role; false when the user already had it. */
export async function grantRole(db: Db, userId: string, role: GlobalRole, actor: string): Promise<boolean> {
  const rows = await db
    .insert(userRoles)
    .values({ userId, role, grantedBy: actor })
    .onConflictDoNothing()
    .returning({ userId: userRoles.userId });
  return rows.length > 0;
}

/** Revokes a global role; false when the user did not have it. */
export async function revokeRole(db: Db, userId: string, role: GlobalRole): Promise<boolean> {
  const rows = await db
    .delete(userRoles)
    .where(and(eq(userRoles.userId, userId), eq(userRoles.role, role)))
    .returning({ userId: userRoles.userId });
  return rows.length > 0;
}

export async function usersWithRole(db: Db, role: GlobalRole): Promise<string[]> {
  const rows = await db.select({ userId: userRoles.userId }).from(userRoles).where(eq(userRoles.role, role));
  return rows.map((r) => r.userId);
}
