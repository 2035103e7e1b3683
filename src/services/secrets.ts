import { randomBytes } from 'node:crypto';
import { type Config, requireCodeSecret } from '../config.js';
import type { Database } from '../db/client.js';
import { settings } from '../db/schema.js';
import { getSetting } from './settings.js';

/**
 * The key codes are hashed with: CODE_SECRET when set (required with PostgreSQL, where replicas must share it);
 * for embedded PGlite, generated once and kept in the database, so codes stay redeemable across restarts.
 */
export async function resolveCodeSecret(database: Database, config: Config): Promise<string> {
  const configured = requireCodeSecret(config);
  if (configured) return configured;
  await database.db
    .insert(settings)
    .values({ key: 'code_secret', value: randomBytes(32).toString('hex'), updatedBy: 'system' })
    .onConflictDoNothing();
  return (await getSetting(database.db, 'code_secret'))!;
}
