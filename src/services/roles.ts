import { and, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { type GlobalRole, userRoles } from '../db/schema.js';
import type { Account } from './accounts.js';

/** What one Slack user may do (SPEC §3): owners from the configuration, global roles, and the accounts they run. */
export interface Roles {
  userId: string;
  owner: boolean;
  finance: boolean;
  sales: boolean;
  adminOf: number[];
}

export async function rolesOf(db: Db, userId: string, owners: readonly string[]): Promise<Roles> {
  return (await requestContext(db, { userId, owners })).roles;
}

export interface RequestContext {
  roles: Roles;
  /** The account linked to the channel the request came from: null when none is, undefined when not asked. */
  channelAccount: Account | null | undefined;
}

/**
 * Who is asking and which account their channel stands for, in one round trip: every command and action starts
 * here, inside Slack's 3-second ack.
 */
export async function requestContext(
  db: Db,
  input: { userId: string; owners: readonly string[]; channelId?: string },
): Promise<RequestContext> {
  const [row] = await queryRows<{ roles: unknown; admin_of: unknown; channel_account: unknown }>(
    db,
    sql`select (select coalesce(json_agg(role), '[]'::json) from user_roles where user_id = ${input.userId}) as roles,
               (select coalesce(json_agg(account_id order by account_id), '[]'::json)
                from account_admins where user_id = ${input.userId}) as admin_of,
               (select json_build_object('id', a.id, 'name', a.name, 'planCode', a.plan_code,
                         'billingChannelId', a.billing_channel_id, 'alertChannelId', a.alert_channel_id,
                         'alertThresholdTenths', a.alert_threshold_tenths, 'createdBy', a.created_by,
                         'createdAt', a.created_at)
                from channel_links l join accounts a on a.id = l.account_id
                where l.channel_id = ${input.channelId ?? null}) as channel_account`,
  );
  const granted = jsonValue(row?.roles) as GlobalRole[];
  const linked = jsonValue(row?.channel_account) as
    | (Omit<Account, 'createdAt'> & { createdAt: string })
    | null;
  return {
    roles: {
      userId: input.userId,
      owner: input.owners.includes(input.userId),
      finance: granted.includes('finance'),
      sales: granted.includes('sales'),
      adminOf: (jsonValue(row?.admin_of) as unknown[]).map(Number),
    },
    channelAccount:
      input.channelId === undefined
        ? undefined
        : linked && { ...linked, id: Number(linked.id), createdAt: new Date(linked.createdAt) },
  };
}

/** A json column, as both drivers hand it over (parsed, or as text). */
function jsonValue(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : (value ?? null);
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
