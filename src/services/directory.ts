import { sql } from 'drizzle-orm';
import { changesOf, type Db, preparedRead, toBigInt } from '../db/client.js';
import type { Account } from './accounts.js';

/** What the directory grants one person (their global roles and the accounts they run), as cached. */
export interface Grants {
  finance: boolean;
  sales: boolean;
  adminOf: number[];
}
/** The account a channel is linked to; null when none is. */
type ChannelAccount = Account | null;

/**
 * What one process keeps of the directory (who holds which role, which account a channel stands for), so that most
 * requests read none of it from the database. The entries hold for the directory version they were read at
 * (drizzle/0014: every change moves it on, at once, in every replica's view), which each use checks in one tiny
 * statement: a role revoked through another replica is refused on the very next request here. A change still in
 * flight when an entry was read (the version already moved, the rows not yet committed) is caught by its
 * announcement at commit, which empties the cache; while the feed cannot hear announcements, nothing is kept.
 */
export class Directory {
  /** The version the entries were read at; undefined when there are none. */
  private version: bigint | undefined;
  /** Moves on at every announcement: a read that started before one is not kept. */
  private generation = 0;
  private readonly people = new Map<string, Grants>();
  private readonly channels = new Map<string, ChannelAccount>();

  clear(): void {
    this.generation += 1;
    this.version = undefined;
    this.people.clear();
    this.channels.clear();
  }

  /** Both entries a request needs, or undefined when either is missing (`channelId` undefined: none asked). */
  lookup(
    person: string,
    channelId: string | undefined,
  ): { grants: Grants; channel: ChannelAccount | undefined; version: bigint } | undefined {
    const known = this.people.get(person);
    if (known === undefined || this.version === undefined) return undefined;
    if (channelId === undefined) return { grants: known, channel: undefined, version: this.version };
    if (!this.channels.has(channelId)) return undefined;
    return { grants: known, channel: this.channels.get(channelId)!, version: this.version };
  }

  /** A token to hand back to `keep`: what a read found is kept only if no announcement came in between. */
  reading(): number {
    return this.generation;
  }

  keep(
    reading: number,
    version: bigint,
    entries: { person: [string, Grants]; channel?: [string, ChannelAccount] | undefined },
  ): void {
    if (reading !== this.generation) return;
    if (this.version !== undefined && version < this.version) return; // read before a change seen already
    if (this.version !== version) {
      this.people.clear();
      this.channels.clear();
      this.version = version;
    }
    this.people.set(...entries.person);
    if (entries.channel) this.channels.set(...entries.channel);
  }
}

/** The directory version as a subquery, for the statements that fill the cache. */
export const DIRECTORY_VERSION = sql`(select last_value from directory_version)`;

const versionStatement = preparedRead<[version: unknown], Record<string, never>>(
  sql`select ${DIRECTORY_VERSION} as version`,
);

/** The directory version now, in a round trip of its own. */
export async function directoryVersionNow(db: Db): Promise<bigint> {
  const [row] = await versionStatement(db, {});
  return toBigInt(row?.[0]);
}

/** A request served from cached entries turned out to stand on an older directory: it is run again, afresh. */
export class StaleDirectory extends Error {
  constructor() {
    super('the directory changed under a cached request context');
  }
}

/**
 * The check a request served from the cache still owes: the first statement of the request that reads the
 * directory version (an account's overview does) confirms it at no extra round trip; otherwise `verify` asks. A
 * use case that writes verifies before it writes; every answer is confirmed before it is given.
 */
export class DirectoryCheck {
  private confirmed = false;

  constructor(
    private readonly db: Db,
    private readonly version: bigint,
  ) {}

  /** Throws StaleDirectory when the version a statement read is not the one the context was cached at. */
  confirm(version: bigint): void {
    if (version !== this.version) throw new StaleDirectory();
    this.confirmed = true;
  }

  async verify(): Promise<void> {
    if (!this.confirmed) this.confirm(await directoryVersionNow(this.db));
  }
}

const directories = new WeakMap<Db, Directory>();

/**
 * The process's directory cache behind a handle from openDatabase, while its change feed is live; undefined for a
 * transaction, or while the feed is down or not yet listening (the first call starts it).
 */
export function directoryOf(db: Db): Directory | undefined {
  const feed = changesOf(db);
  if (!feed) return undefined;
  let directory = directories.get(db);
  if (!directory) {
    const created = new Directory();
    directories.set(db, created);
    feed.subscribe(() => created.clear());
    directory = created;
  }
  return feed.live ? directory : undefined;
}
