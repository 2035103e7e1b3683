import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { is, Placeholder, type SQL } from 'drizzle-orm';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { Sql } from 'postgres';
import type { Config } from '../config.js';
import { lockPgliteDir } from './pglite-lock.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** A database handle or a transaction: every service function takes this, so callers choose the transaction. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Applies the committed migrations in drizzle/ (serialised across replicas on PostgreSQL); tests of a data
   * migration pass a folder holding only the migrations before it. */
  migrate(migrationsFolder?: string): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Any number above is fine; it only has to be the same for every replica. */
const MIGRATION_LOCK_KEY = 727_274_001;

export async function openDatabase(
  target: Config['database'],
  options: { maxConnections?: number } = {},
): Promise<Database> {
  if (target.kind === 'postgres') return openPostgres(target.url, options.maxConnections ?? 10);
  const release = target.kind === 'pglite-dir' ? lockPgliteDir(target.dir) : () => {};
  try {
    if (target.kind === 'pglite-dir') mkdirSync(target.dir, { recursive: true });
    const client = new PGlite(target.kind === 'pglite-dir' ? target.dir : undefined);
    await client.waitReady;
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return {
      db,
      kind: 'pglite',
      migrate: async (migrationsFolder = MIGRATIONS_FOLDER) =>
        migratePglite(drizzlePglite({ client }), { migrationsFolder }),
      ping: () => pingWith(db),
      close: async () => {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * drizzle runs every query unnamed, and postgres.js sends an unnamed query with parameters in two round trips
 * (describe, then execute). Asking for named prepared statements makes it one round trip from the second use on, per
 * connection; the same few dozen statement shapes run over and over. Transactions and savepoints get a client of
 * their own, which is wrapped the same way.
 */
export function preparing(sql: Sql): Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: object) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return (...args: unknown[]) => {
          const body = args.at(-1) as (inner: Sql) => unknown;
          const method = Reflect.get(target, prop, receiver) as (...a: unknown[]) => unknown;
          return method.apply(target, [...args.slice(0, -1), (inner: Sql) => body(preparing(inner))]);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

async function openPostgres(url: string, max: number): Promise<Database> {
  // The driver is loaded by a process that uses it: on embedded PGlite it is not held in memory.
  const [{ default: postgres }, { drizzle: drizzlePostgres }, { migrate: migratePostgres }] =
    await Promise.all([
      import('postgres'),
      import('drizzle-orm/postgres-js'),
      import('drizzle-orm/postgres-js/migrator'),
    ]);
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzlePostgres({ client: preparing(client), schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    migrate: async (migrationsFolder = MIGRATIONS_FOLDER) => {
      // One connection holds an advisory lock so that replicas starting together migrate one after the other.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres({ client: single }), { migrationsFolder });
      } finally {
        await single`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
        await single.end();
      }
    },
    ping: () => pingWith(db),
    close: () => client.end({ timeout: 5 }),
  };
}

async function pingWith(db: Db): Promise<boolean> {
  try {
    await db.execute(sqlOne);
    return true;
  } catch {
    return false;
  }
}

import { sql } from 'drizzle-orm';

const sqlOne = sql`select 1`;

/** Rows of a raw query, whichever driver ran it (postgres.js returns an array, PGlite an object with rows). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

/**
 * A raw statement whose text and parameter order drizzle builds once, here (every value a `sql.placeholder(name)`),
 * then runs on whichever handle or transaction the caller passes, its rows as arrays in select-list order.
 * `db.execute` rebuilds both on every call, and even a drizzle prepared query costs a query object, tracing spans
 * and a result-cache lookup per call: most of a ledger posting's client CPU. So the text goes straight to the
 * driver under the handle (postgres.js `unsafe(…).values()`, PGlite `query` in array mode); on PostgreSQL it is
 * also a named prepared statement (`preparing`), so a call is Bind/Execute of a statement the server has planned.
 */
export function preparedQuery<Row extends unknown[], P extends Record<string, unknown>>(
  query: SQL,
): (db: Db, values: P) => Promise<Row[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const names = params.map((param) => {
    // A value built into the text would be sent as it was on the first call, whatever the caller passes later.
    if (!is(param, Placeholder)) throw new Error(`a prepared statement takes placeholders only: ${text}`);
    return param.name as keyof P;
  });
  return (db, values) =>
    driverOf(db)(
      text,
      names.map((name) => values[name]),
    ) as Promise<Row[]>;
}

type Driver = (text: string, params: unknown[]) => Promise<unknown[][]>;

/** The driver client under a drizzle handle or transaction (drizzle keeps it on the session of either). */
function driverOf(db: Db): Driver {
  const client = (db._.session as unknown as { client: Sql | PGliteInterface }).client;
  if ('unsafe' in client) return (text, params) => client.unsafe(text, params as never[]).values();
  return async (text, params) => (await client.query<unknown[]>(text, params, ARRAY_ROWS)).rows;
}

const ARRAY_ROWS = { rowMode: 'array' } as const;

const dialect = new PgDialect();

/** Raw int8 arrives as a number from PGlite and a string from postgres.js; money is always a bigint here. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (value === null || value === undefined) return 0n;
  throw new TypeError(`not an integer: ${String(value)}`);
}

/** The Postgres error code behind a driver or drizzle error (drizzle wraps it in `cause`). */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** A timestamp parameter for raw SQL (postgres.js takes no Date objects there; both drivers take ISO text). */
export function at(instant: Date): SQL {
  return sql`${instant.toISOString()}::timestamptz`;
}
