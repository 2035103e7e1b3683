import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { type Database, type Db, MIGRATIONS_FOLDER, openDatabase, queryRows } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { startApp } from '../../src/main.js';
import { homeSelection } from '../../src/services/home-selection.js';
import { claimInstalledTeam, grantRole, requestContext } from '../../src/services/roles.js';
import { createPostgresDatabase, DATABASE_KINDS } from '../support/db.js';
import { CODE_SECRET, SLACK_API, testConfig } from '../support/slack.js';

/** The first migration that names teams (drizzle/0009): everything before it is the database as it was. */
const IDENTITY_MIGRATION = '0009_team_user_identities';

/** A migrations folder holding only the migrations before `tag`, with their journal. */
async function migrationsBefore(tag: string): Promise<{ folder: string; remove: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'balance-migrations-'));
  await mkdir(join(folder, 'meta'));
  const journal = JSON.parse(await readFile(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>;
  };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  const kept = journal.entries.slice(0, at);
  await writeFile(join(folder, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: kept }));
  for (const file of await readdir(MIGRATIONS_FOLDER)) {
    if (kept.some((e) => file === `${e.tag}.sql`))
      await copyFile(join(MIGRATIONS_FOLDER, file), join(folder, file));
  }
  return { folder, remove: () => rm(folder, { recursive: true, force: true }) };
}

const person = (userId: string, teamId = 'T1') => ({ teamId, userId });
const rolesOf = async (db: Db, userId: string, teamId = 'T1') =>
  (await requestContext(db, { person: person(userId, teamId), owners: [] })).roles;
const teamsIn = (db: Db, table: string) =>
  queryRows<{ team_id: string; user_id: string }>(
    db,
    sql`select team_id, user_id from ${sql.identifier(table)} order by user_id`,
  );

/**
 * SPEC §11 made roles name a team. Grants written before that hold only a user id; the migration gives them a
 * placeholder team that matches no request, and the first start in Slack mode — once the installed workspace is
 * known (auth.test here) — claims them for it. Run on a database really migrated to the state before 0009.
 */
describe.each(DATABASE_KINDS)('the (team, user) migration of existing grants [%s]', (kind) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    nock.cleanAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function oldDatabase(): Promise<{ target: Config['database']; url: string }> {
    if (kind === 'pglite') {
      const dir = await mkdtemp(join(tmpdir(), 'balance-pglite-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return { target: { kind: 'pglite-dir', dir }, url: `pglite://${dir}` };
    }
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    return { target: { kind: 'postgres', url: created.url }, url: created.url };
  }

  it('keeps every grant for the installed workspace, claimed at start, and only for it', async () => {
    const { target, url } = await oldDatabase();
    const before = await migrationsBefore(IDENTITY_MIGRATION);
    cleanups.push(before.remove);

    // The database as the last release left it: roles, an admin and a Home pick keyed by user id alone.
    const database: Database = await openDatabase(target);
    await database.migrate(before.folder);
    // Written in the schema of that release (today's seed and services know tables it did not have).
    const [created] = await queryRows<{ id: unknown }>(
      database.db,
      sql`with plan as (insert into plans (code, name, price_cents) values ('plus', 'Plus', 400)
                        on conflict do nothing)
          insert into accounts (name, plan_code, created_by) values ('Acme', 'plus', 'UOWNER1') returning id`,
    );
    const acme = { id: Number(created!.id) };
    await database.db.execute(
      sql`insert into ledger_accounts (kind, account_id, balance) values ('wallet', ${acme.id}, 0)`,
    );
    await database.db.execute(
      sql`insert into user_roles (user_id, role, granted_by)
          values ('UFIN', 'finance', 'UOWNER1'), ('USALES', 'sales', 'UOWNER1')`,
    );
    await database.db.execute(
      sql`insert into account_admins (account_id, user_id, added_by) values (${acme.id}, 'UADMIN', 'UOWNER1')`,
    );
    await database.db.execute(
      sql`insert into home_selections (user_id, account_id) values ('UFIN', ${acme.id})`,
    );

    // The new release migrates (`balance migrate`, which knows no workspace): the rows wait under the placeholder,
    // and no request matches them — not even one from the installed workspace, until the app has started.
    await database.migrate();
    for (const table of ['user_roles', 'account_admins', 'home_selections']) {
      for (const row of await teamsIn(database.db, table)) expect(row.team_id).toBe('installed');
    }
    expect(await rolesOf(database.db, 'UFIN')).toMatchObject({ finance: false, sales: false, adminOf: [] });
    // A grant made again meanwhile (by a replica already on the new release) must not make the claim collide.
    await grantRole(database.db, person('USALES'), 'sales', 'UOWNER1');
    await database.close();

    // The app starts in HTTP mode without SLACK_TEAM_ID: auth.test names the workspace, and the start claims.
    const authTest = nock(SLACK_API)
      .post('/api/auth.test')
      .reply(200, { ok: true, team_id: 'T1', user_id: 'UBOT1', bot_id: 'BTEST1' });
    const base = testConfig({ DATABASE_URL: url, CODE_SECRET, PORT: '0' });
    const config: Config = { ...base, slack: { ...base.slack, teamId: undefined } };
    const app = await startApp(config, createLogger({ level: 'error', sink: () => {} }));
    cleanups.push(() => app.stop());
    expect(authTest.isDone()).toBe(true);
    const { db } = app.deps;

    expect(await rolesOf(db, 'UFIN')).toMatchObject({ finance: true, sales: false });
    expect(await rolesOf(db, 'USALES')).toMatchObject({ sales: true });
    expect(await rolesOf(db, 'UADMIN')).toMatchObject({ adminOf: [acme.id] });
    expect(await homeSelection(db, person('UFIN'))).toBe(acme.id);
    // The same user ids from another workspace hold none of it.
    for (const userId of ['UFIN', 'USALES', 'UADMIN']) {
      expect(await rolesOf(db, userId, 'T2OTHER')).toMatchObject({
        finance: false,
        sales: false,
        adminOf: [],
      });
    }
    expect(await teamsIn(db, 'user_roles')).toEqual([
      { team_id: 'T1', user_id: 'UFIN' },
      { team_id: 'T1', user_id: 'USALES' },
    ]);
    expect(await teamsIn(db, 'account_admins')).toEqual([{ team_id: 'T1', user_id: 'UADMIN' }]);
    // Claiming again finds nothing left to claim.
    expect(await claimInstalledTeam(db, 'T1')).toBe(0);
  });
});
