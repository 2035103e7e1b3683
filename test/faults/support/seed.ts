import { sql } from 'drizzle-orm';
import type { Db } from '../../../src/db/client.js';

/**
 * Many customer accounts at once, set-based (a few statements however many): each with its wallet and receivable, a billing channel
 * `<channelPrefix><n>`, a device reading in November 2026 (1–40 devices), and — for most — a card payment into the
 * wallet that covers part, all or none of November's charge, posted as real transfers so the ledger verifies.
 */
export async function seedAccounts(
  db: Db,
  input: { count: number; prefix: string; channelPrefix: string; createdAt?: string },
): Promise<void> {
  const createdAt = input.createdAt ?? '2026-11-01T00:00:00Z';
  await db.execute(sql`
    insert into accounts (name, plan_code, billing_channel_id, created_by, created_at)
    select ${input.prefix} || ' ' || g, case when g % 3 = 0 then 'plus' else 'standard' end,
           ${input.channelPrefix} || g, 'U0SEED', ${createdAt}::timestamptz
    from generate_series(1, ${input.count}::int) g`);
  await db.execute(sql`
    insert into ledger_accounts (kind, account_id, balance)
    select k.kind, a.id, 0 from accounts a cross join (values ('wallet'), ('receivable')) as k(kind)
    where not exists (select 1 from ledger_accounts w where w.account_id = a.id and w.kind = k.kind)`);
  await db.execute(sql`
    insert into device_readings (account_id, count, effective_at, recorded_by)
    select a.id, 1 + a.id % 40, '2026-11-02T00:00:00Z'::timestamptz, 'U0SEED' from accounts a
    where a.name like ${`${input.prefix} %`}`);
  await db.execute(sql`
    insert into transfers (idempotency_key, from_ledger_id, to_ledger_id, amount, actor, memo)
    select 'seed:' || w.account_id, (select id from ledger_accounts where kind = 'payments'), w.id,
           (a.id % 7) * 1500, 'test', 'seed funding'
    from ledger_accounts w join accounts a on a.id = w.account_id
    where w.kind = 'wallet' and a.name like ${`${input.prefix} %`} and a.id % 7 <> 0`);
  await db.execute(sql`
    update ledger_accounts w set balance = w.balance + t.amount
    from transfers t
    where t.to_ledger_id = w.id and t.idempotency_key = 'seed:' || w.account_id`);
}
