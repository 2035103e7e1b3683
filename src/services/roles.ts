import { and, eq, getTableName, sql } from 'drizzle-orm';
import { type Db, jsonColumn, preparedRead, queryRows, rowFromJson, toBigInt } from '../db/client.js';
import { accountAdmins, accounts, type GlobalRole, homeSelections, userRoles } from '../db/schema.js';
import { type Identity, sameIdentity } from '../domain/identity.js';
import type { Account } from './accounts.js';
import {
  DIRECTORY_VERSION,
  DirectoryCheck,
  directoryOf,
  directoryVersionNow,
  type Grants,
} from './directory.js';

/** What one person may do (SPEC §3): owners from the configuration, global roles, and the accounts they run. Every
 * one of them names the person's team as well as their user id (SPEC §11). */
export interface Roles extends Identity {
  owner: boolean;
  finance: boolean;
  sales: boolean;
  adminOf: number[];
}

export async function rolesOf(db: Db, person: Identity, owners: readonly Identity[]): Promise<Roles> {
  return (await requestContext(db, { person, owners })).roles;
}

export interface RequestContext {
  roles: Roles;
  /** The account linked to the channel the request came from: null when none is, undefined when not asked. */
  channelAccount: Account | null | undefined;
  /** Present when the context came from the cache unchecked (`check: 'later'`): the check the request owes. */
  directory?: DirectoryCheck;
}

/**
 * Who is asking and which account their channel stands for: every command and action starts here, inside Slack's
 * 3-second ack. Served from the process's directory cache after one check of its version (src/services/directory.ts),
 * or with that check left to the request (`check: 'later'`); else read in one round trip and kept.
 */
export async function requestContext(
  db: Db,
  input: { person: Identity; owners: readonly Identity[]; channelId?: string; check?: 'now' | 'later' },
): Promise<RequestContext> {
  const { teamId, userId } = input.person;
  const directory = directoryOf(db);
  const person = `${teamId} ${userId}`;
  const cached = directory?.lookup(person, input.channelId);
  if (cached && input.check === 'later') {
    return {
      ...contextOf(input, cached.grants, cached.channel),
      directory: new DirectoryCheck(db, cached.version),
    };
  }
  if (cached && (await directoryVersionNow(db)) === cached.version) {
    return contextOf(input, cached.grants, cached.channel);
  }
  const reading = directory?.reading();
  const [row] = await contextStatement(db, { teamId, userId, channelId: input.channelId ?? null });
  const [roles, adminOf, channelAccount, version] = row ?? [];
  const granted = jsonColumn(roles) as GlobalRole[];
  const grants: Grants = {
    finance: granted.includes('finance'),
    sales: granted.includes('sales'),
    adminOf: (jsonColumn(adminOf) as unknown[]).map(Number),
  };
  const channel = input.channelId === undefined ? undefined : (rowFromJson(accounts, channelAccount) ?? null);
  if (directory && reading !== undefined && row) {
    directory.keep(reading, toBigInt(version), {
      person: [person, grants],
      channel: input.channelId === undefined ? undefined : [input.channelId, channel ?? null],
    });
  }
  return contextOf(input, grants, channel);
}

const contextStatement = preparedRead<
  [roles: unknown, adminOf: unknown, channelAccount: unknown, version: unknown],
  { teamId: string; userId: string; channelId: string | null }
>(
  sql`select (select coalesce(json_agg(role), '[]'::json) from user_roles
              where team_id = ${sql.placeholder('teamId')} and user_id = ${sql.placeholder('userId')}) as roles,
             (select coalesce(json_agg(account_id order by account_id), '[]'::json) from account_admins
              where team_id = ${sql.placeholder('teamId')} and user_id = ${sql.placeholder('userId')}) as admin_of,
             (select row_to_json(a)
              from channel_links l join accounts a on a.id = l.account_id
              where l.channel_id = ${sql.placeholder('channelId')}) as channel_account,
             ${DIRECTORY_VERSION} as version`,
);

function contextOf(
  input: { person: Identity; owners: readonly Identity[] },
  grants: Grants,
  channelAccount: Account | null | undefined,
): RequestContext {
  return {
    roles: {
      teamId: input.person.teamId,
      userId: input.person.userId,
      owner: input.owners.some((owner) => sameIdentity(owner, input.person)),
      ...grants,
      adminOf: [...grants.adminOf], // the cached list stays the cache's
    },
    channelAccount,
  };
}

/** Grants a global role; false when the person already had it. */
export async function grantRole(db: Db, person: Identity, role: GlobalRole, actor: string): Promise<boolean> {
  const rows = await db
    .insert(userRoles)
    .values({ teamId: person.teamId, userId: person.userId, role, grantedBy: actor })
    .onConflictDoNothing()
    .returning({ userId: userRoles.userId });
  return rows.length > 0;
}

/** Revokes a global role; false when the person did not have it. */
export async function revokeRole(db: Db, person: Identity, role: GlobalRole): Promise<boolean> {
  const rows = await db
    .delete(userRoles)
    .where(
      and(eq(userRoles.teamId, person.teamId), eq(userRoles.userId, person.userId), eq(userRoles.role, role)),
    )
    .returning({ userId: userRoles.userId });
  return rows.length > 0;
}

/**
 * The team that rows written before identities named a team stand for (drizzle/0006): no Slack team id equals it,
 * so such a row matches no request until the app's start claims it for the installed workspace.
 */
const INSTALLED_TEAM_PLACEHOLDER = 'installed';

/**
 * Gives the rows of the placeholder team to the installed workspace, once it is known (at the start of the Slack
 * modes). A pair that was granted again meanwhile is kept once. Returns how many rows were claimed.
 */
export async function claimInstalledTeam(db: Db, teamId: string): Promise<number> {
  return db.transaction(async (tx) => {
    let claimed = 0;
    for (const [table, key] of PERSON_TABLES) {
      const same = key.map((column) => `q.${column} = p.${column}`).join(' and ');
      const rows = await queryRows(
        tx,
        sql`update ${sql.identifier(table)} p set team_id = ${teamId}
            where p.team_id = ${INSTALLED_TEAM_PLACEHOLDER}
              and not exists (select 1 from ${sql.identifier(table)} q
                              where q.team_id = ${teamId} and ${sql.raw(same)})
            returning p.user_id`,
      );
      claimed += rows.length;
      await tx.execute(
        sql`delete from ${sql.identifier(table)} where team_id = ${INSTALLED_TEAM_PLACEHOLDER}`,
      );
    }
    return claimed;
  });
}

/** The tables that name a person, each with the rest of its primary key besides the team. */
const PERSON_TABLES: Array<[table: string, key: string[]]> = [
  [getTableName(userRoles), ['user_id', 'role']],
  [getTableName(accountAdmins), ['account_id', 'user_id']],
  [getTableName(homeSelections), ['user_id']],
];
