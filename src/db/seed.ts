import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { ledgerAccounts, plans, SYSTEM_LEDGER_KINDS } from './schema.js';

/** The plans of the Jamf Now Balance article (SPEC §2); owners may add more. */
export const SEED_PLANS = [
  { code: 'standard', name: 'Standard', priceCents: 200n },
  { code: 'plus', name: 'Plus', priceCents: 400n },
] as const;

/** Creates what every database needs (seed plans, one ledger account per system kind); safe to run again. */
export async function ensureSeed(db: Db): Promise<void> {
  await db
    .insert(plans)
    .values([...SEED_PLANS])
    .onConflictDoNothing();
  await db
    .insert(ledgerAccounts)
    .values(SYSTEM_LEDGER_KINDS.map((kind) => ({ kind })))
    .onConflictDoNothing({
      target: ledgerAccounts.kind,
      where: sql`${ledgerAccounts.kind} not in ('wallet', 'receivable')`,
    });
}
