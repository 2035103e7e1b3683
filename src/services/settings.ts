import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { settings } from '../db/schema.js';

export type SettingKey = 'finance_channel' | 'code_secret' | 'secrets_key';

export async function getSetting(db: Db, key: SettingKey): Promise<string | undefined> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  return row?.value;
}

export async function setSetting(db: Db, key: SettingKey, value: string, actor: string): Promise<void> {
  await db
    .insert(settings)
    .values({ key, value, updatedBy: actor })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: actor, updatedAt: new Date() } });
}

/** Where finance hears of runs and collections: `/balance config finance-channel` wins over FINANCE_CHANNEL. */
export async function financeChannelOf(db: Db, configured: string | undefined): Promise<string | undefined> {
  return (await getSetting(db, 'finance_channel')) ?? configured;
}
