import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { getTableColumns, is, Placeholder, type SQL } from 'drizzle-orm';
import { type PgDatabase, PgDialect, type PgQueryResultHKT, type PgTable } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { Options, Sql } from 'postgres';

type Postgres = typeof import('postgres');

import type { Config } from '../config.js';
import { lockPgliteDir } from './pglite-lock.js';
/**
 * A database handle or a transaction: every service function takes this, so callers choose the transaction. It holds
 * no schema: Balance queries through the builders and SQL, never drizzle's relational `db.query`, which a schema
 * would build for every table on every transaction and savepoint.
 */
export type Db = PgDatabase<PgQueryResultHKT>;

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

/**
 * Tells this process when what it caches of the directory (roles, admins, channel links, plans, accounts) may have
 * been changed by another: drizzle/0014's triggers announce every such change on `balance_directory` at commit.
 */
export interface ChangeFeed {
  /** False while an announcement could go unheard (PostgreSQL: the listening connection is down or reconnecting):
   * a cache must not be trusted or filled then. */
  readonly live: boolean;
  /** `fn` runs at every announcement, and whenever the feed goes down or comes back; the first call starts it. */
  subscribe(fn: () => void): void;
}

const CHANGES_CHANNEL = 'balance_directory';
const RELISTEN_MS = 1_000;

/**
 * PGlite is one process on one connection that runs a transaction to its end before any other query, so a change
 * is committed before anyone here reads again and the directory's version (read with every use) says it all.
 */
const PGLITE_FEED: ChangeFeed = { live: true, subscribe: () => {} };

const feeds = new WeakMap<Db, ChangeFeed>();

/** The change feed of a handle from openDatabase; none for a transaction (which reads afresh anyway). */
export function changesOf(db: Db): ChangeFeed | undefined {
  return feeds.get(db);
}

/** LISTEN on a connection of its own, started by the first subscriber, listening again after any drop. */
function postgresChangeFeed(postgres: Postgres, url: string): ChangeFeed & { close(): Promise<void> } {
  const subscribers: Array<() => void> = [];
  let live = false;
  let closed = false;
  const announce = () => {
    for (const fn of subscribers) fn();
  };
  // `onnotify` is postgres.js's own hook for a connection's notifications (what its `listen` is built on; missing
  // from its types). Its `listen` could not say when the connection dropped: this one is watched by `onclose`.
  const options: Options<Record<string, never>> & { onnotify: (channel: string) => void } = {
    max: 1,
    max_lifetime: null,
    fetch_types: false,
    onnotice: () => {},
    onnotify: (channel) => {
      if (channel === CHANGES_CHANNEL) announce();
    },
    onclose: () => {
      if (!live) return;
      live = false; // what changes meanwhile goes unheard
      announce();
      relisten();
    },
  };
  const connection = postgres(url, options);
  const listen = async (): Promise<void> => {
    try {
      await connection.unsafe(`listen ${CHANGES_CHANNEL}`);
      live = true;
      announce(); // anything read while the feed was down is dropped
    } catch {
      relisten();
    }
  };
  // After a pause, so that a server that is going away is not hammered (the cache is bypassed meanwhile).
  const relisten = () => {
    if (!closed) setTimeout(() => void listen(), RELISTEN_MS).unref();
  };
  return {
    get live() {
      return live && !closed;
    },
    subscribe: (fn) => {
      subscribers.push(fn);
      if (subscribers.length === 1) void listen();
    },
    close: async () => {
      closed = true;
      await connection.end({ timeout: 5 });
    },
  };
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
    const db = drizzlePglite({ client }) as unknown as Db;
    feeds.set(db, PGLITE_FEED);
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
  const db = drizzlePostgres({ client: preparing(client) }) as unknown as Db;
  const changes = postgresChangeFeed(postgres, url);
  feeds.set(db, changes);
  const lane = postgres(url, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: READ_LANE_NAME, default_transaction_read_only: true },
  });
  readLanes.set(db, sqlDriver(preparing(lane)));
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
    close: async () => {
      await Promise.all([changes.close(), client.end({ timeout: 5 }), lane.end({ timeout: 5 })]);
    },
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
  return prepared(query, driverOf);
}

/**
 * A `preparedQuery` that only reads, for a short read on the hot path (a balance, a request's context, an overview).
 * On the handle from openDatabase it runs on PostgreSQL's read lane: one connection of its own on which the reads
 * of concurrent requests are pipelined, several in one write and one server wake-up, instead of each taking a pool
 * connection and a backend of its own (the status answer's PostgreSQL CPU ~300 → ~180 µs; docs/performance.md).
 * The lane is read-only on the server, so a statement that would write or lock a row is refused (25006) rather than
 * wait there and hold up every read behind it. In a transaction it runs on the transaction, and sees its writes.
 */
export function preparedRead<Row extends unknown[], P extends Record<string, unknown>>(
  query: SQL,
): (db: Db, values: P) => Promise<Row[]> {
  return prepared(query, (db) => readLanes.get(db) ?? driverOf(db));
}

function prepared<Row extends unknown[], P extends Record<string, unknown>>(
  query: SQL,
  driverFor: (db: Db) => Driver,
): (db: Db, values: P) => Promise<Row[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const names = params.map((param) => {
    // A value built into the text would be sent as it was on the first call, whatever the caller passes later.
    if (!is(param, Placeholder)) throw new Error(`a prepared statement takes placeholders only: ${text}`);
    return param.name as keyof P;
  });
  return (db, values) =>
    driverFor(db)(
      text,
      names.map((name) => values[name]),
    ) as Promise<Row[]>;
}

type Driver = (text: string, params: unknown[]) => Promise<unknown[][]>;

/** What the read lane's connection is called in `pg_stat_activity`. */
export const READ_LANE_NAME = 'balance read lane';

/** The read lane of each PostgreSQL handle from openDatabase (PGlite has one connection: no lane). */
const readLanes = new WeakMap<Db, Driver>();

/** The driver client under a drizzle handle or transaction (drizzle keeps it on the session of either). */
function driverOf(db: Db): Driver {
  const client = (db._.session as unknown as { client: Sql | PGliteInterface }).client;
  if ('unsafe' in client) return sqlDriver(client as Sql);
  return async (text, params) => (await client.query<unknown[]>(text, params, ARRAY_ROWS)).rows;
}

function sqlDriver(client: Sql): Driver {
  return (text, params) => client.unsafe(text, params as never[]).values();
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

/** A timestamp parameter for raw SQL (postgres.js takes no Date objects there; both drivers take ISO text), or a
 * placeholder for one in a `preparedQuery` (its value then ISO text too). */
export function at(instant: Date | Placeholder): SQL {
  return sql`${instant instanceof Date ? instant.toISOString() : instant}::timestamptz`;
}

/** A json column as either driver hands it over (parsed, or as text); SQL null is null. */
export function jsonColumn(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : (value ?? null);
}

/**
 * A table's row from `row_to_json` (keyed by column name), each value mapped as drizzle maps it from the driver:
 * timestamps to Dates, int8 to bigint (through a JSON number: exact up to 2^53, far beyond any amount Balance
 * takes). Undefined when there is no row.
 */
export function rowFromJson<T extends PgTable>(table: T, json: unknown): T['$inferSelect'] | undefined {
  const raw = jsonColumn(json) as Record<string, unknown> | null;
  if (!raw) return undefined;
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}
