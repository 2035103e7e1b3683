import { type SQL, sql } from 'drizzle-orm';
import { at } from '../db/client.js';
import type { SystemLedgerKind } from '../db/schema.js';

/**
 * Many account → system transfers (the invoice run's usage and amount-due postings) as common table expressions of
 * the caller's one statement. `wanted` names a CTE of the movements, (key, ledger_id, amount, memo, balance) with
 * ledger_id a wallet or a receivable and balance what it held when the caller locked it; these CTEs follow it:
 *
 * - `posted` (id, idempotency_key, from_ledger_id, amount): the transfers inserted; keys posted before are skipped;
 * - `debited`: each wallet or receivable debited by its new transfer (one per ledger account and statement), from
 *   the balance locked: the statement's snapshot may predate a credit the lock waited for. A movement is new when its
 *   key was not posted before the statement; one taken by another transaction meanwhile is missing from `movements`,
 *   so the statement is refused and its debit undone;
 * - `movements` (key, id, same): the transfer of each wanted key, new or posted before; `same` is false when a key
 *   posted before names another movement (SPEC §2), and a wanted key missing from `movements` was taken meanwhile:
 *   either way the caller must refuse the statement (an idempotency conflict) and roll back.
 *
 * The caller holds the wallets' row locks and has checked that each wallet covers its debit; the database's
 * `balance >= 0` check stands behind that (a receivable goes down freely: it is minus what is owed).
 */
export function accountDebits(wanted: string, input: { to: SystemLedgerKind; actor: string; at: Date }): SQL {
  const w = sql.raw(wanted);
  // account_id is null: the system row is found by index even in a generic plan (the partial index needs the literal).
  const to = sql`(select id from ledger_accounts where account_id is null and kind = ${input.to})`;
  return sql`posted as (
      insert into transfers (idempotency_key, from_ledger_id, to_ledger_id, amount, actor, memo, created_at)
      select x.key, x.ledger_id, ${to}, x.amount, ${input.actor}, x.memo, ${at(input.at)}
      from ${w} x
      on conflict (idempotency_key) do nothing
      returning id, idempotency_key, from_ledger_id, amount
    ), debited as (
      -- Found by index from the movements, not by joining them to \`posted\`: two CTEs are planned blind (a few rows
      -- each), and that join was a nested loop, every movement against every other.
      update ledger_accounts l set balance = x.balance - x.amount
      from ${w} x
      where l.id = x.ledger_id and not exists (select 1 from transfers t where t.idempotency_key = x.key)
      returning l.id
    ), movements as (
      select p.idempotency_key as key, p.id, true as same from posted p
      union all
      select x.key, t.id, t.from_ledger_id = x.ledger_id and t.amount = x.amount and t.to_ledger_id = ${to}
      from ${w} x join transfers t on t.idempotency_key = x.key
      where not exists (select 1 from posted p where p.idempotency_key = x.key)
    )`;
}
