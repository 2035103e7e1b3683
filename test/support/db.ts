import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import { setVariables } from '../../src/config.js';
import { type Database, type Db, openDatabase, queryRows } from '../../src/db/client.js';
import { ensureSeed } from '../../src/db/seed.js';
import { verifyLedger } from '../../src/ledger/verify.js';

/**
 * Every database test runs on embedded PGlite and, when TEST_DATABASE_URL is set, again on PostgreSQL: one suite,
 * parameterised by `describeDatabases`. Each test file gets its own database (one PGlite instance, or a fresh
 * PostgreSQL database on the TEST_DATABASE_URL server) and every test starts from truncated, re-seeded tables.
 */
export type DatabaseKind = 'pglite' | 'postgres';

/** TEST_DATABASE_URL, unless unset or empty (`TEST_DATABASE_URL= npm test` runs on PGlite only). */
export const POSTGRES_URL = setVariables(process.env).TEST_DATABASE_URL;
export const DATABASE_KINDS: DatabaseKind[] = POSTGRES_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  readonly kind: DatabaseKind;
  readonly db: Db;
  readonly database: Database;
  /** The connection string of this file's PostgreSQL database (postgres only), for extra pools or processes. */
  readonly url: string | undefined;
  /** For a test that corrupts the ledger on purpose: skip the invariant check that follows every test. */
  expectBrokenLedger(): void;
}

export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!POSTGRES_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `balance_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

async function openTestDatabase(kind: DatabaseKind) {
  if (kind === 'pglite') {
    const database = await openDatabase({ kind: 'pglite-memory' });
    return { database, url: undefined, drop: async () => {} };
  }
  const { url, drop } = await createPostgresDatabase();
  return { database: await openDatabase({ kind: 'postgres', url }, { maxConnections: 20 }), url, drop };
}

/** Empties every table and re-seeds, far cheaper than a new PGlite. */
export async function resetDatabase(db: Db): Promise<void> {
  const tables = await queryRows<{ tablename: string }>(
    db,
    sql`select tablename from pg_tables where schemaname = 'public'`,
  );
  const list = tables.map((t) => `"${t.tablename}"`).join(', ');
  if (list) await db.execute(sql.raw(`truncate ${list} restart identity cascade`));
  await ensureSeed(db);
}

export function describeDatabases(
  name: string,
  body: (t: TestDatabase) => void,
  kinds = DATABASE_KINDS,
): void {
  describe.each(kinds)(`${name} [%s]`, (kind) => {
    let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
    let brokenOnPurpose = false;
    const t: TestDatabase = {
      kind,
      get db() {
        if (!opened) throw new Error('database not open yet');
        return opened.database.db;
      },
      get database() {
        if (!opened) throw new Error('database not open yet');
        return opened.database;
      },
      get url() {
        return opened?.url;
      },
      expectBrokenLedger() {
        brokenOnPurpose = true;
      },
    };
    beforeAll(async () => {
      opened = await openTestDatabase(kind);
      await opened.database.migrate();
    });
    beforeEach(async () => {
      brokenOnPurpose = false;
      await resetDatabase(t.db);
    });
    // Whatever a test did, the ledger's invariants (SPEC §2) hold afterwards.
    afterEach(async () => {
      if (brokenOnPurpose) return;
      expect((await verifyLedger(t.db)).problems).toEqual([]);
    });
    afterAll(async () => {
      await opened?.database.close();
      await opened?.drop();
    });
    body(t);
  });
}

/** For tests that prove something only a multi-connection server can show (races): PostgreSQL only. */
export function describePostgres(name: string, body: (t: TestDatabase) => void): void {
  describe.runIf(POSTGRES_URL !== undefined)(`${name} (needs TEST_DATABASE_URL)`, () => {
    describeDatabases(name, body, ['postgres']);
  });
}

/** Row counts of every table, to prove that a refused request wrote nothing. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const tables = await queryRows<{ tablename: string }>(
    db,
    sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
  );
  const counts: Record<string, number> = {};
  for (const { tablename } of tables) {
    const [row] = await queryRows<{ n: unknown }>(db, sql.raw(`select count(*) as n from "${tablename}"`));
    counts[tablename] = Number(row?.n);
  }
  return counts;
}
