import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { openAppDatabase } from '../../src/main.js';
import { exitOf, runCli, startCli } from '../support/cli.js';
import { createPostgresDatabase, DATABASE_KINDS, describePostgres } from '../support/db.js';
import { fund, makeAccount } from '../support/fixtures.js';

const CODE_SECRET = 'c'.repeat(64);

/** A database the child process can reach: a PGlite directory, or a fresh PostgreSQL database. */
async function childDatabase(kind: (typeof DATABASE_KINDS)[number]) {
  if (kind === 'postgres') {
    const { url, drop } = await createPostgresDatabase();
    return { url, drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'balance-cli-'));
  return {
    url: `pglite://${join(dir, 'pglite')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe.each(DATABASE_KINDS)('balance verify [%s]', (kind) => {
  let target: Awaited<ReturnType<typeof childDatabase>>;
  beforeEach(async () => {
    target = await childDatabase(kind);
  });
  afterEach(async () => target.drop());

  const env = () => ({ DATABASE_URL: target.url, CODE_SECRET });
  const inProcess = async <T>(
    work: (db: Awaited<ReturnType<typeof openAppDatabase>>['db']) => Promise<T>,
  ) => {
    const database = await openAppDatabase(loadConfig(env()) as Config);
    try {
      return await work(database.db);
    } finally {
      await database.close();
    }
  };

  it('exits 0 on a consistent ledger and 1, naming the wallet, after a cached balance is tampered with', async () => {
    await inProcess(async (db) => {
      const acme = await makeAccount(db, 'Acme');
      await fund(db, acme.id, 12_000n);
    });
    const ok = await runCli(['verify'], env());
    expect(ok.stdout).toContain('ledger ok: 9 ledger accounts, 1 transfers');
    expect(ok.code).toBe(0);

    await inProcess((db) =>
      db.execute(sql`update ledger_accounts set balance = balance + 1 where kind = 'wallet'`),
    );
    const bad = await runCli(['verify'], env());
    expect(bad.stdout).toContain(
      'wallet of "Acme" (ledger account 8): cached balance 12001 ≠ sum of its transfers 12000',
    );
    expect(bad.code).toBe(1);
  });
});

describe('balance start', () => {
  it('serves /healthz, refuses a second process on the same embedded database, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'balance-start-'));
    const env = { DATABASE_URL: `pglite://${join(dir, 'pglite')}`, PORT: '0' };
    try {
      const first = await startCli(['start'], env, /HTTP routes on port (\d+)/);
      const health = await fetch(`http://127.0.0.1:${first.match[1]}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const second = await runCli(['start'], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/is in use by another Balance process \(pid \d+\)/);

      first.child.kill('SIGTERM');
      expect(await exitOf(first.child)).toBe(0);
      expect(existsSync(join(dir, 'pglite.lock'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describePostgres('CODE_SECRET is needed only where codes are hashed', (t) => {
  const withoutSecret = () => ({ DATABASE_URL: t.url! });

  it('migrate and verify run on PostgreSQL without it; start refuses with its one line', async () => {
    const migrated = await runCli(['migrate'], withoutSecret());
    expect(migrated.stderr).toBe('');
    expect(migrated.stdout).toBe('migrations applied\n');
    expect(migrated.code).toBe(0);
    const verified = await runCli(['verify'], withoutSecret());
    expect(verified.stdout).toContain('ledger ok:');
    expect(verified.code).toBe(0);
    const exported = await runCli(['export', 'ledger'], withoutSecret());
    expect(exported.code).toBe(0);

    const slack = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret', SLACK_TEAM_ID: 'T1' };
    const started = await runCli(['start'], { ...withoutSecret(), ...slack, PORT: '0' });
    expect(started.code).toBe(1);
    expect(started.stderr).toBe('CODE_SECRET: is required with a PostgreSQL DATABASE_URL\n');
  });
});
