// pgbench, run side by side with the app's own benchmarks as their baseline: a throwaway database initialised once
// with `pgbench -i -s 10`, then TPC-B (`-c 4 -j 2 -T n`), select-only (`-S`) and a latency run of a fixed shape
// (`-c 50 -t 4` with per-transaction logs). A `CHECKPOINT` goes before every run, so no run pays for the dirty pages
// of the one before it. Also the app's own throwaway database, and a TCP relay that counts client/server round
// trips, to see what a call costs on the wire.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Database, openDatabase } from '../src/db/client.js';
import { ensureSeed } from '../src/db/seed.js';
import { createFreshPostgres, defer, postgresServerUrl } from './lib.js';

export interface AppDatabase {
  url: string;
  database: Database;
  /** Closes the pool and drops the database (also done by the cleanup at the end). */
  close(): Promise<void>;
}

/**
 * A throwaway PostgreSQL database for the app: created, migrated and seeded as the app does at start, opened with a
 * postgres.js pool of `maxConnections` through the app's own `openDatabase`.
 */
export async function openAppDatabase(prefix: string, maxConnections: number): Promise<AppDatabase> {
  const fresh = await createFreshPostgres(prefix);
  const database = await openDatabase({ kind: 'postgres', url: fresh.url }, { maxConnections });
  const closePool = defer(`close the pool of ${fresh.name}`, () => database.close());
  try {
    await database.migrate();
    await ensureSeed(database.db);
  } catch (err) {
    await closePool();
    await fresh.drop();
    throw err;
  }
  return {
    url: fresh.url,
    database,
    close: async () => {
      await closePool();
      await fresh.drop();
    },
  };
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** libpq settings for pgbench (it takes no URL of its own on every version), from a postgres:// URL. */
function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: u.hostname || '127.0.0.1',
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username) || 'postgres',
    ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(`${stdout}\n${stderr}`);
    });
  });
}

export interface PgbenchDatabase {
  name: string;
  url: string;
  /** The scale it was initialised with (`-s`). */
  scale: number;
  drop(): Promise<void>;
}

/** A fresh database initialised by `pgbench -i -s <scale>` (scale 10: 1,000,000 accounts, 10 branches). */
export async function createPgbenchDatabase(scale = 10): Promise<PgbenchDatabase> {
  const admin = postgresServerUrl();
  const name = `balance_pgbench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${name}`);
  } finally {
    await sql.end();
  }
  const url = withDatabase(admin, name);
  // Registered as a cleanup step too, so an error or Ctrl-C part-way still drops it.
  const drop = defer(`drop database ${name}`, async () => {
    const a = postgres(admin, { max: 1, onnotice: () => {} });
    try {
      await a.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await a.end();
    }
  });
  try {
    await run('pgbench', ['-i', '-q', '-s', String(scale)], libpqEnv(url));
  } catch (err) {
    await drop();
    throw err;
  }
  return { name, url, scale, drop };
}

/** Flushes dirty buffers, so the run that follows starts from the same state as any other. */
export async function checkpoint(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`checkpoint`;
  } finally {
    await sql.end();
  }
}

export interface PgbenchTps {
  /** Transactions per second, without the initial connection time. */
  tps: number;
  transactions: number;
  command: string;
}

function parseTps(out: string): number {
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (!match) throw new Error(`no "tps = … (without initial connection time)" in pgbench output:\n${out}`);
  return Number(match[1]);
}

function parseTransactions(out: string): number {
  const match = /number of transactions actually processed: (\d+)/.exec(out);
  return match ? Number(match[1]) : Number.NaN;
}

/** TPC-B (default) or select-only (`-S`) for a fixed time, after a CHECKPOINT. */
export async function pgbenchTps(
  db: PgbenchDatabase,
  options: { seconds: number; clients?: number; threads?: number; selectOnly?: boolean },
): Promise<PgbenchTps> {
  const args = [
    ...(options.selectOnly ? ['-S'] : []),
    '-n',
    '-c',
    String(options.clients ?? 4),
    '-j',
    String(options.threads ?? 2),
    '-T',
    String(options.seconds),
  ];
  await checkpoint(db.url);
  const out = await run('pgbench', args, libpqEnv(db.url));
  return { tps: parseTps(out), transactions: parseTransactions(out), command: `pgbench ${args.join(' ')}` };
}

export interface PgbenchLatencies {
  /** Latency of each transaction, in milliseconds (from the `-l` per-transaction log). */
  latenciesMs: number[];
  /**
   * When each transaction finished, in milliseconds after the first one started: what a caller that sent all of them
   * at once would wait, pgbench's own queueing included.
   */
  sinceStartMs: number[];
  tps: number;
  command: string;
}

/**
 * A fixed number of transactions per client (`-t`), logged one line per transaction (`-l`, in a temp dir). Each log
 * line is `client transaction latency_us script epoch_s epoch_us`.
 */
export async function pgbenchLatencies(
  db: PgbenchDatabase,
  options: { clients: number; transactions: number; threads?: number; selectOnly?: boolean },
): Promise<PgbenchLatencies> {
  const dir = await mkdtemp(join(tmpdir(), 'balance-pgbench-'));
  const args = [
    ...(options.selectOnly ? ['-S'] : []),
    '-n',
    '-c',
    String(options.clients),
    '-j',
    String(options.threads ?? 2),
    '-t',
    String(options.transactions),
    '-l',
    `--log-prefix=${join(dir, 'tx')}`,
  ];
  try {
    await checkpoint(db.url);
    const out = await run('pgbench', args, libpqEnv(db.url), dir);
    const ends: Array<{ latencyUs: number; endUs: number }> = [];
    for (const file of await readdir(dir)) {
      for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
        const f = line.trim().split(/\s+/);
        if (f.length < 6) continue;
        ends.push({ latencyUs: Number(f[2]), endUs: Number(f[4]) * 1e6 + Number(f[5]) });
      }
    }
    if (ends.length !== options.clients * options.transactions) {
      throw new Error(
        `pgbench logged ${ends.length} transactions, not ${options.clients * options.transactions}`,
      );
    }
    const firstStart = Math.min(...ends.map((e) => e.endUs - e.latencyUs));
    return {
      latenciesMs: ends.map((e) => e.latencyUs / 1000),
      sinceStartMs: ends.map((e) => (e.endUs - firstStart) / 1000),
      tps: parseTps(out),
      command: `pgbench ${args.filter((a) => !a.startsWith('--log-prefix')).join(' ')}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RoundTripCounter {
  /** A URL like `url` that goes through the relay. */
  url: string;
  /** Round trips so far: each time the client speaks again after the server has answered. */
  count(): number;
  close(): Promise<void>;
}

/**
 * A TCP relay in front of PostgreSQL that counts round trips: a client → server write that follows server → client
 * data starts a new one. Connect through it with a single connection and divide by the number of calls.
 */
export async function countRoundTrips(url: string): Promise<RoundTripCounter> {
  const target = new URL(url);
  let trips = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    let serverSpoke = true;
    const upstream = tcpConnect(Number(target.port || 5432), target.hostname || '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (serverSpoke) trips += 1;
      serverSpoke = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      serverSpoke = true;
      client.write(chunk);
    });
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', done).on('error', done);
    upstream.on('close', done).on('error', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('relay did not get a port');
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String(address.port);
  return {
    url: relayed.toString(),
    count: () => trips,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
