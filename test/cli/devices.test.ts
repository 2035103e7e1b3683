import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { deviceReadings } from '../../src/db/schema.js';
import { openAppDatabase } from '../../src/main.js';
import { createAccount } from '../../src/services/accounts.js';
import { createJamfProClient } from '../../src/services/jamf/client.js';
import { resolveSecretsKey } from '../../src/services/secrets.js';
import { runCli } from '../support/cli.js';
import { createPostgresDatabase, POSTGRES_URL } from '../support/db.js';
import { type FakeJamf, startFakeJamf } from '../support/fake-jamf.js';
import { connectToFake } from '../support/fixtures.js';

const CODE_SECRET = 'cli-code-secret-0123456789abcdef0123456789';

/** Connects a new account to the fake, in this process, with the key the app would use. */
async function connectAccount(database: Database, fake: FakeJamf, secretsKey: string | undefined) {
  const account = await createAccount(database.db, {
    name: 'Fleet Co',
    planCode: 'standard',
    actor: 'U1',
    at: new Date('2026-11-01T00:00:00Z'),
  });
  await connectToFake(database.db, { jamf: createJamfProClient(), secretsKey }, fake, {
    accountId: account.id,
    now: new Date('2026-11-02T09:00:00Z'),
  });
}

describe('balance jobs devices', { timeout: 120_000 }, () => {
  let dir: string;
  let fake: FakeJamf;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'balance-devices-'));
    fake = await startFakeJamf({ fleet: { managedComputers: 30, managedMobileDevices: 12 } });
  });
  afterEach(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the connected accounts with the key kept for embedded PGlite, once a minute, and prints failures', async () => {
    const env = { DATABASE_URL: `pglite://${join(dir, 'pglite')}` };
    const database = await openAppDatabase(loadConfig(env));
    try {
      await connectAccount(database, fake, await resolveSecretsKey(database, loadConfig(env)));
    } finally {
      await database.close();
    }
    fake.fleet.managedComputers = 31;
    const now = ['--now', '2026-11-02T10:00:00Z'];
    const first = await runCli(['jobs', 'devices', ...now], env);
    expect(first.stderr).not.toContain(fake.clientSecret);
    expect(first.stdout).toContain(
      '1 accounts counted in Jamf Pro, 0 failed, 0 already counted this minute; 1 new readings',
    );
    expect(first.code).toBe(0);
    const again = await runCli(['jobs', 'devices', ...now], env);
    expect(again.stdout).toContain('0 accounts counted in Jamf Pro, 0 failed, 1 already counted this minute');
    expect(fake.calls('computers')).toHaveLength(2); // the connect's and the first run's

    // A failure is printed with its reason and recorded for the next run; the command still exits 0.
    fake.expireTokens();
    fake.fail('token', { status: 401 });
    const failing = await runCli(['jobs', 'devices', '--now', '2026-11-02T11:00:00Z'], env);
    expect(failing.stdout).toMatch(
      /account 1: Jamf Pro at 127\.0\.0\.1:\d+ refused this client ID and secret/,
    );
    expect(failing.stdout).toContain('0 accounts counted in Jamf Pro, 1 failed');
    expect(failing.code).toBe(0);

    const reopened = await openAppDatabase(loadConfig(env));
    try {
      const rows = await reopened.db.select().from(deviceReadings).orderBy(deviceReadings.id);
      expect(rows.map((r) => [r.count, r.source, r.effectiveAt.toISOString()])).toEqual([
        [42, 'jamf', '2026-11-02T09:00:00.000Z'],
        [43, 'jamf', '2026-11-02T10:00:00.000Z'],
      ]);
    } finally {
      await reopened.close();
    }
  });

  describe.runIf(POSTGRES_URL !== undefined)('with PostgreSQL', () => {
    it('refuses to run without SECRETS_KEY once an account is connected, naming the variable', async () => {
      const { url, drop } = await createPostgresDatabase();
      try {
        const withKey = {
          DATABASE_URL: url,
          CODE_SECRET,
          SECRETS_KEY: 'pg-secrets-key-0123456789abcdef0123456789',
        };
        const database = await openAppDatabase(loadConfig(withKey));
        try {
          await connectAccount(database, fake, withKey.SECRETS_KEY);
        } finally {
          await database.close();
        }
        const without = await runCli(['jobs', 'devices'], { DATABASE_URL: url, CODE_SECRET });
        expect(without.code).toBe(1);
        expect(without.stderr.trim()).toBe(
          'SECRETS_KEY: is required with a PostgreSQL DATABASE_URL once an account is connected to Jamf Pro',
        );
        const withIt = await runCli(['jobs', 'devices'], withKey);
        expect(withIt.stdout).toContain('1 accounts counted in Jamf Pro, 0 failed');
        expect(withIt.code).toBe(0);
      } finally {
        await drop();
      }
    });
  });
});
