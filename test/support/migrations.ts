import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type Db, MIGRATIONS_FOLDER, openDatabase } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import { createPostgresDatabase, type DatabaseKind } from './db.js';

/**
 * A database migrated up to (not including) the migration tagged `prefix`, given the old release's rows by `oldData`,
 * then migrated to the end: what an upgrade does to a live database. `cleanups` closes and drops it afterwards.
 */
export async function upgradedDatabase(
  kind: DatabaseKind,
  prefix: string,
  oldData: (db: Db) => Promise<void>,
  cleanups: Array<() => Promise<void> | void>,
): Promise<Db> {
  const before = foldersBefore(prefix);
  cleanups.push(() => rmSync(before, { recursive: true, force: true }));
  if (kind === 'pglite') {
    const client = new PGlite();
    cleanups.push(() => client.close());
    await migratePglite(drizzlePglite({ client }), { migrationsFolder: before });
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    await oldData(db);
    await migratePglite(drizzlePglite({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    return db;
  }
  const { url, drop } = await createPostgresDatabase();
  cleanups.push(drop);
  const single = postgres(url, { max: 1, onnotice: () => {} });
  await migratePostgres(drizzlePostgres({ client: single }), { migrationsFolder: before });
  await single.end();
  const database = await openDatabase({ kind: 'postgres', url });
  cleanups.push(() => database.close());
  await oldData(database.db);
  await database.migrate();
  return database.db;
}

/** The migrations folder as it was before the migration tagged `prefix`: the journal cut there. */
function foldersBefore(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'balance-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const cut = journal.entries.findIndex((e) => e.tag.startsWith(prefix));
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  return dir;
}
