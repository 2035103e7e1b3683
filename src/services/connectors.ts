import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { at, type Db, queryRows } from '../db/client.js';
import { jamfConnectors, type ReadingSource } from '../db/schema.js';
import {
  type JamfCredentials,
  type JamfFieldErrors,
  parseJamfConnection,
  syncNotice,
} from '../domain/jamf.js';
import { DEVICES } from '../domain/money.js';
import { registerSecret } from '../logger.js';
import { checkAlerts } from './alerts.js';
import { type DeviceReading, readingAt, recordReading } from './devices.js';
import { JamfError, type JamfPro, type ManagedDeviceCounts } from './jamf/port.js';
import { renewLease, withLease } from './leases.js';
import { enqueue, type OutboxEvent } from './outbox.js';
import { createSecretBox, type SecretBox, SecretBoxError } from './secret-box.js';

/**
 * Connections of accounts to their Jamf Pro instance (SPEC §16): connect (check, then store the secret sealed),
 * disconnect (the readings stay), and the sync job that turns the managed-device count into readings.
 */
export type JamfConnector = typeof jamfConnectors.$inferSelect;
/** What may be shown of a connection: everything but the sealed secret. */
export type JamfConnection = Omit<JamfConnector, 'clientSecretSealed'>;

export interface ConnectorDeps {
  jamf: JamfPro;
  /** SECRETS_KEY (or the generated one of embedded PGlite); undefined with PostgreSQL when it is not configured. */
  secretsKey: string | undefined;
}

export class MissingSecretsKeyError extends Error {
  constructor() {
    super(
      'SECRETS_KEY is required with PostgreSQL to store or use a Jamf Pro connection (e.g. `openssl rand -hex 32`)',
    );
    this.name = 'MissingSecretsKeyError';
  }
}

function secretBoxOf(deps: ConnectorDeps): SecretBox {
  if (!deps.secretsKey) throw new MissingSecretsKeyError();
  return createSecretBox(deps.secretsKey);
}

/** Authenticated data of a sealed secret: it opens only on its own account's row. */
const sealContext = (accountId: number) => `jamf_connectors:${accountId}:client_secret`;
const recordedBy = (url: string) => `jamf:${new URL(url).host}`;
const totalOf = (counts: ManagedDeviceCounts) => counts.computers + counts.mobileDevices;

/** A count a reading cannot hold is refused rather than cut. */
function tooMany(counts: ManagedDeviceCounts): string | undefined {
  const total = totalOf(counts);
  if (total <= DEVICES.max) return undefined;
  return `Jamf Pro counts ${total.toLocaleString('en-US')} managed devices, more than the ${DEVICES.max.toLocaleString('en-US')} an account can be billed for.`;
}

/**
 * A reading with source `jamf` when the count differs from the one in effect, and the balance check that follows a
 * changed count (as after a typed one). Run in the transaction that holds the connector's row.
 */
async function applyCount(
  tx: Db,
  input: { accountId: number; url: string; counts: ManagedDeviceCounts; now: Date; timeZone: string },
): Promise<DeviceReading | undefined> {
  const total = totalOf(input.counts);
  const current = await readingAt(tx, input.accountId, input.now);
  if (current?.count === total) return undefined;
  const reading = await recordReading(tx, {
    accountId: input.accountId,
    count: total,
    at: input.now,
    by: recordedBy(input.url),
    source: 'jamf',
  });
  await checkAlerts(tx, { accountIds: [input.accountId], now: input.now, timeZone: input.timeZone });
  return reading;
}

export type ConnectResult =
  | { ok: true; url: string; counts: ManagedDeviceCounts; total: number; reading: DeviceReading | undefined }
  /** Refused, by field (`url`, `client_id`, `client_secret`), with a message for the user; nothing was written. */
  | { ok: false; errors: JamfFieldErrors };

/**
 * `/balance devices connect`: checks the values, asks Jamf Pro for a token and one count, and only then stores the
 * connection (the secret sealed), replacing any earlier one, and records the count when it changed. Throws a
 * MissingSecretsKeyError when no key is configured, before anything is asked or written.
 */
export async function connectJamf(
  db: Db,
  deps: ConnectorDeps,
  input: { accountId: number; values: unknown; actor: string; now: Date; timeZone: string },
): Promise<ConnectResult> {
  const parsed = parseJamfConnection(input.values);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const box = secretBoxOf(deps);
  const { credentials } = parsed;
  registerSecret(credentials.clientSecret);
  let counts: ManagedDeviceCounts;
  try {
    counts = await deps.jamf.managedCounts(credentials);
  } catch (err) {
    if (err instanceof JamfError)
      return { ok: false, errors: { [err.field]: err.advice('Try again in a moment.') } };
    throw err;
  }
  const excess = tooMany(counts);
  if (excess) return { ok: false, errors: { url: excess } };
  const reading = await db.transaction(async (tx) => {
    await storeConnection(tx, box, { ...input, credentials, counts });
    return applyCount(tx, { ...input, url: credentials.url, counts });
  });
  return { ok: true, url: credentials.url, counts, total: totalOf(counts), reading };
}

async function storeConnection(
  tx: Db,
  box: SecretBox,
  input: {
    accountId: number;
    credentials: JamfCredentials;
    counts: ManagedDeviceCounts;
    actor: string;
    now: Date;
  },
): Promise<void> {
  const { accountId, credentials, counts, now } = input;
  const connection = {
    url: credentials.url,
    clientId: credentials.clientId,
    clientSecretSealed: box.seal(credentials.clientSecret, sealContext(accountId)),
    createdBy: input.actor,
    createdAt: now,
    lastAttemptAt: now,
    lastSyncAt: now,
    lastComputers: counts.computers,
    lastMobileDevices: counts.mobileDevices,
    lastError: null,
    consecutiveFailures: 0,
    failingSince: null,
  };
  await tx
    .insert(jamfConnectors)
    .values({ accountId, ...connection })
    .onConflictDoUpdate({ target: jamfConnectors.accountId, set: connection });
}

/** `/balance devices disconnect`: forgets the connection and its secret; the readings it recorded stay. */
export async function disconnectJamf(db: Db, accountId: number): Promise<boolean> {
  const removed = await db
    .delete(jamfConnectors)
    .where(eq(jamfConnectors.accountId, accountId))
    .returning({ accountId: jamfConnectors.accountId });
  return removed.length === 1;
}

/** The account's connection as it may be shown (source and last sync for `devices`, `status` and Home). */
export async function jamfConnection(db: Db, accountId: number): Promise<JamfConnection | undefined> {
  const [row] = await db.select().from(jamfConnectors).where(eq(jamfConnectors.accountId, accountId));
  if (!row) return undefined;
  const { clientSecretSealed: _sealed, ...shown } = row;
  return shown;
}

/** Where the count in effect comes from, and how the account's Jamf Pro sync is doing (`devices`, `status`, Home). */
export interface DeviceSource {
  /** The reading in effect: its count, how it was recorded (typed, posted to the API, counted in Jamf Pro), by whom, when. */
  reading: { count: number; source: ReadingSource; by: string; at: Date } | null;
  /** The account's connection, when it has one: its instance, the last sync that counted, a run of failures. */
  jamf: {
    url: string;
    lastSyncAt: Date | null;
    failing: { since: Date; failures: number; reason: string } | null;
  } | null;
}

export async function deviceSource(db: Db, accountId: number, now: Date): Promise<DeviceSource> {
  const [reading, connection] = await Promise.all([
    readingAt(db, accountId, now),
    jamfConnection(db, accountId),
  ]);
  return sourceOf(reading, connection);
}

type ConnectionShown = Pick<
  JamfConnection,
  'url' | 'lastSyncAt' | 'consecutiveFailures' | 'failingSince' | 'lastError'
>;

/** The device source of the reading in effect and the connection (either may be missing). */
export function sourceOf(
  reading: Pick<DeviceReading, 'count' | 'source' | 'recordedBy' | 'effectiveAt'> | null | undefined,
  connection: ConnectionShown | null | undefined,
): DeviceSource {
  return {
    reading: reading
      ? { count: reading.count, source: reading.source, by: reading.recordedBy, at: reading.effectiveAt }
      : null,
    jamf: connection
      ? { url: connection.url, lastSyncAt: connection.lastSyncAt, failing: failingOf(connection) }
      : null,
  };
}

function failingOf(connection: ConnectionShown): NonNullable<DeviceSource['jamf']>['failing'] {
  const { consecutiveFailures, failingSince, lastError } = connection;
  if (consecutiveFailures === 0 || !failingSince || !lastError) return null;
  return { since: failingSince, failures: consecutiveFailures, reason: lastError };
}

// ─── the sync job ──────────────────────────────────────────────────────────────────────────────────────

export const DEVICE_SYNC_LEASE = 'device-sync';
// Longer than one account can take: three requests, each tried three times with waits of up to 30 s.
const LEASE_MS = 10 * 60_000;

export interface DeviceSyncOptions {
  /** The time the run stands for (`--now`): readings are stamped with it. */
  now: Date;
  timeZone: string;
  /** Identifies this process in the lease. */
  holder?: string;
}

export type DeviceSyncResult =
  | { kind: 'busy' }
  | {
      kind: 'done';
      /** Connectors counted, and those whose sync failed, with why. */
      synced: number;
      failures: Array<{ accountId: number; reason: string }>;
      /** Connectors another run already tried in this minute. */
      skipped: number;
      /** Accounts that got a new reading. */
      changed: number[];
      /** Failing and recovered messages queued for billing channels. */
      notices: number;
      /** Failures that were not Jamf Pro's answer (a bug, the database): for the logs. */
      unexpected: unknown[];
    };

type Outcome =
  | { ok: true; counts: ManagedDeviceCounts }
  | { ok: false; reason: string; unexpected?: unknown };

/**
 * The device sync (SPEC §16, `DEVICE_SYNC_CRON`, `balance jobs devices`): every connected account is counted in Jamf
 * Pro, a reading recorded when its count changed, the last sync time kept either way. One replica at a time holds
 * the run's lease, and each connector is claimed for the run's minute, so a twin run fired by another replica in the
 * same minute, even after this one finished, counts nothing twice (and counts no failure twice). After three failed
 * syncs in a row the billing channel is told once, and again when a sync succeeds.
 */
export async function syncDevices(
  db: Db,
  deps: ConnectorDeps,
  options: DeviceSyncOptions,
): Promise<DeviceSyncResult> {
  const holder = options.holder ?? randomUUID();
  const run = await withLease(db, { name: DEVICE_SYNC_LEASE, holder, ms: LEASE_MS }, async () => {
    const ids = (
      await db
        .select({ id: jamfConnectors.accountId })
        .from(jamfConnectors)
        .orderBy(asc(jamfConnectors.accountId))
    ).map((r) => r.id);
    const box = ids.length > 0 ? secretBoxOf(deps) : undefined;
    const result = {
      kind: 'done' as const,
      synced: 0,
      failures: [] as Array<{ accountId: number; reason: string }>,
      skipped: 0,
      changed: [] as number[],
      notices: 0,
      unexpected: [] as unknown[],
    };
    for (const accountId of ids) {
      const connector = await claim(db, accountId, options.now);
      if (!connector) {
        result.skipped++;
        continue;
      }
      const outcome = await countOf(deps.jamf, box!, connector);
      const recorded = await db.transaction((tx) => recordOutcome(tx, connector, outcome, options));
      if (outcome.ok) result.synced++;
      else {
        result.failures.push({ accountId, reason: outcome.reason });
        if (outcome.unexpected !== undefined) result.unexpected.push(outcome.unexpected);
      }
      if (recorded.changed) result.changed.push(accountId);
      if (recorded.notice) result.notices++;
      await renewLease(db, DEVICE_SYNC_LEASE, holder, LEASE_MS);
    }
    return result;
  });
  return run.kind === 'busy' ? run : run.result;
}

/** Takes the connector for this run unless a run already tried it in the same minute. */
async function claim(db: Db, accountId: number, now: Date): Promise<JamfConnector | undefined> {
  const [row] = await db
    .update(jamfConnectors)
    .set({ lastAttemptAt: now })
    .where(
      sql`${jamfConnectors.accountId} = ${accountId}
          and (${jamfConnectors.lastAttemptAt} is null
               or ${jamfConnectors.lastAttemptAt} < date_trunc('minute', ${at(now)}))`,
    )
    .returning();
  return row;
}

async function countOf(jamf: JamfPro, box: SecretBox, connector: JamfConnector): Promise<Outcome> {
  let clientSecret: string;
  try {
    clientSecret = box.open(connector.clientSecretSealed, sealContext(connector.accountId));
  } catch (err) {
    if (!(err instanceof SecretBoxError)) throw err;
    return {
      ok: false,
      reason: 'The stored client secret cannot be read with the configured SECRETS_KEY: connect again.',
    };
  }
  registerSecret(clientSecret);
  try {
    const counts = await jamf.managedCounts({
      url: connector.url,
      clientId: connector.clientId,
      clientSecret,
    });
    const excess = tooMany(counts);
    return excess ? { ok: false, reason: excess } : { ok: true, counts };
  } catch (err) {
    if (err instanceof JamfError) return { ok: false, reason: err.advice('The next sync tries again.') };
    return {
      ok: false,
      reason: 'An unexpected error stopped the count (see the app logs).',
      unexpected: err,
    };
  }
}

interface LockedConnector {
  consecutive_failures: unknown;
  failing_since: Date | string | null;
  billing_channel_id: string | null;
}

/**
 * Writes one sync's outcome: the sync state, the reading when the count changed, and the failing or recovered
 * message, in one transaction. Nothing is written when the connection was removed or replaced meanwhile.
 */
async function recordOutcome(
  tx: Db,
  connector: JamfConnector,
  outcome: Outcome,
  options: DeviceSyncOptions,
): Promise<{ changed: boolean; notice: boolean }> {
  const { accountId } = connector;
  const [locked] = await queryRows<LockedConnector>(
    tx,
    sql`select c.consecutive_failures, c.failing_since, a.billing_channel_id
        from jamf_connectors c join accounts a on a.id = c.account_id
        where c.account_id = ${accountId} and c.client_secret_sealed = ${connector.clientSecretSealed}
        for update of c`,
  );
  if (!locked) return { changed: false, notice: false };
  const failuresBefore = Number(locked.consecutive_failures);
  const failingSince = locked.failing_since === null ? options.now : new Date(locked.failing_since);
  const notice = syncNotice(failuresBefore, outcome.ok);
  await tx
    .update(jamfConnectors)
    .set(
      outcome.ok
        ? {
            lastSyncAt: options.now,
            lastComputers: outcome.counts.computers,
            lastMobileDevices: outcome.counts.mobileDevices,
            lastError: null,
            consecutiveFailures: 0,
            failingSince: null,
          }
        : { lastError: outcome.reason, consecutiveFailures: failuresBefore + 1, failingSince },
    )
    .where(eq(jamfConnectors.accountId, accountId));
  const reading = outcome.ok
    ? await applyCount(tx, { ...options, accountId, url: connector.url, counts: outcome.counts })
    : undefined;
  const channel = locked.billing_channel_id;
  if (notice && channel) {
    const since = failingSince.toISOString();
    const event: OutboxEvent = outcome.ok
      ? {
          type: 'device_sync_recovered',
          accountId,
          since,
          at: options.now.toISOString(),
          devices: totalOf(outcome.counts),
        }
      : { type: 'device_sync_failing', accountId, since, reason: outcome.reason };
    await enqueue(
      tx,
      [{ dedupeKey: `device-sync-${notice}:${accountId}:${since}`, channelId: channel, event }],
      options.now,
    );
  }
  return { changed: reading !== undefined, notice: notice !== null && channel !== null };
}

/** How many accounts are connected to Jamf Pro (the start refuses PostgreSQL without SECRETS_KEY when any is). */
export async function connectorCount(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(db, sql`select count(*) as n from jamf_connectors`);
  return Number(row?.n ?? 0);
}
