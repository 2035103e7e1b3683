import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createInteractions } from '../../src/app/interactions.js';
import type { Interactions, Reply } from '../../src/app/types.js';
import { changesOf, type Database, type Db, openDatabase } from '../../src/db/client.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { registry } from '../../src/metrics.js';
import { createAccount, linkChannel, removeAdmins } from '../../src/services/accounts.js';
import { grantRole, requestContext, revokeRole } from '../../src/services/roles.js';
import { describeDatabases, describePostgres } from '../support/db.js';
import { testDeps } from '../support/deps.js';
import { ACME_CHANNEL, person, seedPeople } from '../support/people.js';

// The per-process directory cache (src/services/directory.ts): roles and channel links are served from it, and a
// change made anywhere — this process, another replica, a transaction still open, a dropped listener — is never
// answered from a stale entry.

const finance = person('finance');
const ask = (db: Db, channelId = ACME_CHANNEL) =>
  requestContext(db, { person: finance, owners: [], channelId });

/** Waits until the handle's change feed listens (a cache is neither used nor filled before). */
async function listening(db: Db): Promise<void> {
  await ask(db); // the first use starts the feed
  await vi.waitFor(() => expect(changesOf(db)?.live).toBe(true), { timeout: 10_000 });
}

describeDatabases('directory cache', (t) => {
  beforeEach(async () => {
    await seedPeople(t.db);
    await listening(t.db);
  });

  it('answers from the cache: a change made behind the triggers’ back is not seen until the next real change', async () => {
    expect((await ask(t.db)).roles.finance).toBe(true);
    await t.db.execute(sql`alter table user_roles disable trigger user_roles_directory`);
    try {
      await revokeRole(t.db, finance, 'finance');
      expect((await ask(t.db)).roles.finance).toBe(true); // served from the cache: nothing announced the change
    } finally {
      await t.db.execute(sql`alter table user_roles enable trigger user_roles_directory`);
    }
    await grantRole(t.db, person('nobody'), 'sales', 'U1'); // any change moves the version on
    expect((await ask(t.db)).roles.finance).toBe(false);
  });

  it('sees its own changes right after them: roles granted and revoked, admins removed, a channel relinked', async () => {
    const first = await ask(t.db);
    expect(first.roles).toMatchObject({ finance: true, sales: false });
    const acme = first.channelAccount!;
    expect(acme.name).toBe('Acme');
    await grantRole(t.db, finance, 'sales', 'U1');
    expect((await ask(t.db)).roles).toMatchObject({ finance: true, sales: true });
    await revokeRole(t.db, finance, 'finance');
    expect((await ask(t.db)).roles).toMatchObject({ finance: false, sales: true });

    const admin = { person: person('admin'), owners: [], channelId: ACME_CHANNEL };
    expect((await requestContext(t.db, admin)).roles.adminOf).toEqual([acme.id]);
    await removeAdmins(t.db, acme.id, [person('admin')]);
    expect((await requestContext(t.db, admin)).roles.adminOf).toEqual([]);

    const globex = await createAccount(t.db, { name: 'Globex', planCode: 'standard', actor: 'U1' });
    await linkChannel(t.db, ACME_CHANNEL, globex.id, 'U1');
    expect((await ask(t.db)).channelAccount?.name).toBe('Globex');
    expect((await ask(t.db, 'C0UNLINKED')).channelAccount).toBeNull();
  });

  // Proves: a command that started on a cached context which turned out stale is run again on a fresh one, and its
  // answer is timed once in /metrics (from its first start), not once per run.
  it('a command run again on a fresh directory answers once and is counted once in the answer histogram', async () => {
    const here = createInteractions(await testDeps(t.db));
    const status = async () => {
      const replies = await here.command(
        { ...person('admin'), channelId: ACME_CHANNEL, requestId: 't.status' },
        'status',
      );
      return replies.map((r) => (r as Extract<Reply, { kind: 'private' }>).message.kind);
    };
    const statusCount = async () => {
      const metric = await registry.getSingleMetric('balance_answer_duration_seconds')!.get();
      const row = metric.values.find(
        (v) =>
          (v as { metricName?: string }).metricName === 'balance_answer_duration_seconds_count' &&
          v.labels.subcommand === 'status',
      );
      return row?.value ?? 0;
    };
    expect(await status()).toEqual(['status']); // the context is cached now
    // The version moves on with no announcement: the cached context is stale, and only its statement can tell.
    await t.db.execute(sql`select nextval('directory_version')`);
    const before = await statusCount();
    expect(await status()).toEqual(['status']);
    expect(await statusCount()).toBe(before + 1);
  });
});

describePostgres('directory cache across replicas', (t) => {
  let replica: Database;
  let other: Interactions;
  beforeEach(async () => {
    await seedPeople(t.db);
    replica = await openDatabase({ kind: 'postgres', url: t.url! });
    other = createInteractions(await testDeps(replica.db));
    await listening(replica.db);
  });
  afterEach(async () => {
    await replica.close();
  });

  /** What the other replica answers `/balance <text>` from #acme, as a view model's kind. */
  const answerOnReplica = async (who: 'admin' | 'finance' | 'nobody', text: string) => {
    const replies = await other.command(
      { ...person(who), channelId: ACME_CHANNEL, requestId: `t.${text}` },
      text,
    );
    return (replies[0] as Extract<Reply, { kind: 'private' }>).message.kind;
  };

  it('a role revoked or an admin removed through one replica is refused on the other right after', async () => {
    expect(await answerOnReplica('admin', 'status')).toBe('status');
    expect(await answerOnReplica('admin', 'status')).toBe('status'); // now from the cache
    const acme = (await ask(t.db)).channelAccount!;
    await removeAdmins(t.db, acme.id, [person('admin')]);
    expect(await answerOnReplica('admin', 'status')).toBe('refusal');

    expect((await ask(replica.db)).roles.finance).toBe(true);
    await revokeRole(t.db, finance, 'finance');
    expect((await ask(replica.db)).roles.finance).toBe(false);
    expect(await answerOnReplica('finance', 'status')).toBe('refusal');
  });

  it('a write on the other replica checks the roles first: a revoked finance cannot adjust there right after', async () => {
    expect(await answerOnReplica('finance', 'status')).toBe('status'); // cached on the replica
    const acme = (await ask(t.db)).channelAccount!;
    await revokeRole(t.db, finance, 'finance');
    expect(await answerOnReplica('finance', 'adjust +10 should not land')).toBe('refusal');
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
  });

  it('a role granted through one replica is honoured on the other right after, though refused from its cache', async () => {
    expect(await answerOnReplica('nobody', 'status')).toBe('refusal');
    expect(await answerOnReplica('nobody', 'status')).toBe('refusal'); // now from the cache
    await grantRole(t.db, person('nobody'), 'sales', 'U1');
    expect(await answerOnReplica('nobody', 'status')).toBe('status');
  });

  it('a channel linked through one replica stands for its new account on the other right after', async () => {
    expect((await ask(replica.db)).channelAccount?.name).toBe('Acme');
    const globex = await createAccount(t.db, { name: 'Globex', planCode: 'standard', actor: 'U1' });
    await linkChannel(t.db, ACME_CHANNEL, globex.id, 'U1');
    expect((await ask(replica.db)).channelAccount?.name).toBe('Globex');
  });

  it('what was read while a change was still uncommitted is dropped when the change is announced', async () => {
    expect((await ask(replica.db)).roles.finance).toBe(true);
    await t.db.transaction(async (tx) => {
      await revokeRole(tx, finance, 'finance');
      // The version has moved on, the revocation is not committed: this reads the old rows at the new version.
      expect((await ask(replica.db)).roles.finance).toBe(true);
    });
    await vi.waitFor(async () => expect((await ask(replica.db)).roles.finance).toBe(false), {
      timeout: 5_000,
    });
  });

  it('while its listener is down a replica keeps nothing, and it uses the cache again once listening', async () => {
    expect((await ask(replica.db)).roles.finance).toBe(true);
    await t.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query = 'listen balance_directory'`,
    );
    await vi.waitFor(() => expect(changesOf(replica.db)?.live).toBe(false), { timeout: 5_000 });
    await t.db.transaction(async (tx) => {
      await revokeRole(tx, finance, 'finance');
      expect((await ask(replica.db)).roles.finance).toBe(true); // not committed yet
    });
    // No announcement can reach it: had it kept what it read above, it would still say finance.
    expect((await ask(replica.db)).roles.finance).toBe(false);
    expect(changesOf(replica.db)?.live).toBe(false); // all of the above happened while it was down (1 s at least)
    await vi.waitFor(() => expect(changesOf(replica.db)?.live).toBe(true), { timeout: 10_000 });
    await grantRole(t.db, finance, 'finance', 'U1');
    expect((await ask(replica.db)).roles.finance).toBe(true);
  });
});
