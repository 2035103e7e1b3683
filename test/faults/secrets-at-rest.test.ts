import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceSyncJob } from '../../src/app/jobs.js';
import { fixedClock } from '../../src/clock.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { ensureSeed } from '../../src/db/seed.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { linkChannel } from '../../src/services/accounts.js';
import { connectJamf } from '../../src/services/connectors.js';
import { createJamfProClient } from '../../src/services/jamf/client.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { resolveSecretsKey } from '../../src/services/secrets.js';
import { runProgram } from '../support/cli.js';
import { createPostgresDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/db.js';
import { startFakeJamf } from '../support/fake-jamf.js';
import { makeAccount } from '../support/fixtures.js';
import { CODE_SECRET, testConfig } from '../support/slack.js';

/**
 * SPEC §16: a Jamf Pro client secret is stored only sealed. Not the rows as the app reads them, but what an
 * operator's backup holds: `pg_dump` of the PostgreSQL database, and every file of the embedded PGlite directory
 * (heap pages and WAL), after a connect, syncs that count and syncs that fail.
 */
interface Store {
  database: Database;
  /** Closes the database and returns everything it left at rest, as text. */
  dumpAndClose(): Promise<string>;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'latin1')),
  );
}

async function openStore(kind: DatabaseKind): Promise<Store> {
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'balance-at-rest-'));
    const database = await openDatabase({ kind: 'pglite-dir', dir });
    return {
      database,
      dumpAndClose: async () => {
        await database.close();
        const files = await filesUnder(dir);
        await rm(dir, { recursive: true, force: true });
        return files.join('\n');
      },
    };
  }
  const { url, drop } = await createPostgresDatabase();
  const database = await openDatabase({ kind: 'postgres', url });
  return {
    database,
    dumpAndClose: async () => {
      const dump = await runProgram('pg_dump', ['--data-only', url], {});
      await database.close();
      await drop();
      expect(dump).toMatchObject({ code: 0 });
      return dump.stdout;
    },
  };
}

describe.each(DATABASE_KINDS)('a Jamf Pro client secret at rest [%s]', (kind) => {
  it('is nowhere in clear in the database dump nor in the logs, while its client id is', async () => {
    const fake = await startFakeJamf({ fleet: { managedComputers: 118, managedMobileDevices: 40 } });
    const store = await openStore(kind);
    try {
      const { db } = store.database;
      await store.database.migrate();
      await ensureSeed(db);
      const config = testConfig({ LOG_LEVEL: 'debug', SECRETS_KEY: 'at-rest-secrets-key-0123456789abcdef' });
      const secretsKey = await resolveSecretsKey(store.database, config);
      const lines: string[] = [];
      const logger = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
      const deps = createDeps({
        config,
        db,
        logger,
        codeSecret: CODE_SECRET,
        payments: sandboxProvider(() => 'http://localhost', db),
        door: { publishHome: async () => {}, sendFile: async () => 'nowhere' },
        sender: undefined,
      });
      const connectors = {
        jamf: createJamfProClient({ sleep: async () => {}, timeoutMs: 2_000 }),
        secretsKey,
      };
      const account = await makeAccount(db);
      await linkChannel(db, 'C0ACME', account.id, 'U1');
      const connected = await connectJamf(db, connectors, {
        accountId: account.id,
        values: { url: fake.url, client_id: fake.clientId, client_secret: fake.clientSecret },
        actor: 'U1',
        now: new Date('2026-11-02T09:00:00Z'),
        timeZone: 'UTC',
      });
      expect(connected).toMatchObject({ ok: true, total: 158 });
      const failures: number[] = [];
      for (const [hour, fault] of [
        [10, undefined],
        [
          11,
          () => {
            fake.expireTokens();
            fake.fail('token', { status: 401 });
          },
        ],
        [12, () => fake.fail('computers', { malformed: true })],
        [13, () => fake.fail('mobile', { status: 500 }, 3)],
        [14, () => (fake.fleet.managedComputers = 200)],
      ] as const) {
        fault?.();
        deps.clock = fixedClock(`2026-11-02T${hour}:00:00Z`);
        const result = await deviceSyncJob(deps, connectors);
        failures.push(result.kind === 'done' ? result.failures.length : -1);
      }
      expect(failures).toEqual([0, 1, 1, 1, 0]);
      expect(lines.filter((l) => l.includes('"level":"warn"'))).toHaveLength(3);
      const dump = await store.dumpAndClose();
      expect(dump).toContain(fake.clientId); // the dump holds the connection
      expect(dump).not.toContain(fake.clientSecret);
      expect(lines.join('\n')).not.toContain(fake.clientSecret);
    } finally {
      await fake.close();
    }
  });
});
