import { randomBytes } from 'node:crypto';
import { type Config, requireCodeSecret } from '../config.js';
import type { Database, Db } from '../db/client.js';
import { settings } from '../db/schema.js';
import { getSetting, type SettingKey } from './settings.js';

/** A key for embedded PGlite, generated once and kept in the database, so it is the same after every restart. */
async function keptKey(db: Db, name: SettingKey): Promise<string> {
  await db
    .insert(settings)
    .values({ key: name, value: randomBytes(32).toString('hex'), updatedBy: 'system' })
    .onConflictDoNothing();
  return (await getSetting(db, name))!;
}

/**
 * The key codes are hashed with: CODE_SECRET when set (required with PostgreSQL, where replicas must share it);
 * for embedded PGlite, generated once and kept in the database, so codes stay redeemable across restarts.
 */
export async function resolveCodeSecret(database: Database, config: Config): Promise<string> {
  const configured = requireCodeSecret(config);
  if (configured) return configured;
  return keptKey(database.db, 'code_secret');
}

/**
 * The key connector secrets are sealed with (SPEC §16): SECRETS_KEY when set; for embedded PGlite, generated and kept
 * like the code secret. Undefined with PostgreSQL and no SECRETS_KEY: the app runs, but refuses to store or use a
 * Jamf Pro connection, naming the variable (src/services/connectors.ts).
 */
export async function resolveSecretsKey(database: Database, config: Config): Promise<string | undefined> {
  if (config.secretsKey) return config.secretsKey;
  if (database.kind === 'postgres') return undefined;
  return keptKey(database.db, 'secrets_key');
}
