import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { deviceReadings } from '../../src/db/schema.js';
import { linkChannel } from '../../src/services/accounts.js';
import { type ConnectorDeps, syncDevices } from '../../src/services/connectors.js';
import { createJamfProClient } from '../../src/services/jamf/client.js';
import { describePostgres } from '../support/db.js';
import { type FakeJamf, startFakeJamf } from '../support/fake-jamf.js';
import { connectToFake, makeAccount } from '../support/fixtures.js';

const KEY = 'test-secrets-key-0123456789abcdef0123456789';
const ACCOUNTS = 6;
const NOW = new Date('2026-11-02T10:00:00Z');

/** A replica: its own connection pool and its own Jamf Pro client (tokens are per process). */
const replica = (): ConnectorDeps => ({
  jamf: createJamfProClient({ sleep: async () => {} }),
  secretsKey: KEY,
});

describePostgres('the device sync on two replicas at once', (t) => {
  let fakes: FakeJamf[];
  let other: Database;

  beforeEach(async () => {
    fakes = [];
    const connecting = replica();
    for (let i = 0; i < ACCOUNTS; i++) {
      const fake = await startFakeJamf({ fleet: { managedComputers: 10 + i, managedMobileDevices: 5 } });
      const account = await makeAccount(t.db);
      await linkChannel(t.db, `C0ACCT${i}`, account.id, 'U1');
      await connectToFake(t.db, connecting, fake, {
        accountId: account.id,
        now: new Date('2026-11-02T09:00:00Z'),
      });
      fake.requests.length = 0;
      fake.fleet.managedComputers += 100; // every account's count changes once
      fake.delayMs = 20; // so that the two runs overlap
      fakes.push(fake);
    }
    other = await openDatabase({ kind: 'postgres', url: t.url! }, { maxConnections: 5 });
  });
  afterEach(async () => {
    await other.close();
    await Promise.all(fakes.map((f) => f.close()));
  });

  it('asks each Jamf Pro for one token and one count of each kind, and records one reading per account', async () => {
    const runs = await Promise.all([
      syncDevices(t.db, replica(), { now: NOW, timeZone: 'UTC', holder: 'replica-a' }),
      syncDevices(other.db, replica(), {
        now: new Date(NOW.getTime() + 900),
        timeZone: 'UTC',
        holder: 'replica-b',
      }),
    ]);
    const counted = runs.reduce((n, r) => n + (r.kind === 'done' ? r.synced : 0), 0);
    expect(counted).toBe(ACCOUNTS);
    for (const fake of fakes) {
      expect(fake.calls('token')).toHaveLength(1);
      expect(fake.calls('computers')).toHaveLength(1);
      expect(fake.calls('mobile')).toHaveLength(1);
    }
    // The one that came second, now that the first has finished, finds every connector counted this minute.
    const late = await syncDevices(other.db, replica(), { now: NOW, timeZone: 'UTC' });
    expect(late).toMatchObject({ kind: 'done', synced: 0, skipped: ACCOUNTS });
    const readings = await t.db.select().from(deviceReadings);
    expect(readings.filter((r) => r.effectiveAt.getTime() >= NOW.getTime())).toHaveLength(ACCOUNTS);
    expect(readings).toHaveLength(2 * ACCOUNTS);
  });
});
