import { sql } from 'drizzle-orm';
import { at, type Db, queryRows } from '../db/client.js';
import type { AccountLedgerKind, SystemLedgerKind } from '../db/schema.js';
import { IdempotencyConflictError } from './ledger.js';

export interface AccountDebit {
  /** Unique per movement; a key posted before with the same values is skipped. */
  key: string;
  accountId: number;
  /** The account's ledger account debited: its wallet (what it paid) or its receivable (what it owes). */
  from: AccountLedgerKind;
  amount: bigint;
  memo: string;
}

/**
 * Posts many account → system transfers in two statements (the invoice run's usage and amount-due postings): the
 * transfers are inserted with their idempotency keys (keys already posted are skipped, and must match), then each
 * wallet or receivable is debited once by the sum of its new transfers. The caller holds the wallets' row locks and
 * has checked that each wallet covers its debit; the database's `balance >= 0` check stands behind that (a
 * receivable goes down freely: it is minus what is owed). Returns the transfer id by key.
 */
export async function postAccountDebits(
  db: Db,
  debits: AccountDebit[],
  input: { to: SystemLedgerKind; actor: string; at: Date },
): Promise<Map<string, number>> {
  const rows = debits.filter((d) => d.amount > 0n).map((d) => ({ ...d, amount: d.amount.toString() }));
  if (rows.length === 0) return new Map();
  const payload = JSON.stringify(rows);
  const inserted = await queryRows<{ id: unknown; key: string; from_id: unknown; amount: unknown }>(
    db,
    sql`insert into transfers (idempotency_key, from_ledger_id, to_ledger_id, amount, actor, memo, created_at)
        select x.key, w.id, (select id from ledger_accounts where kind = ${input.to}), x.amount::bigint, ${input.actor},
               x.memo, ${at(input.at)}
        from jsonb_to_recordset(${payload}::jsonb) as x(key text, "accountId" bigint, "from" text, amount text, memo text)
        join ledger_accounts w on w.account_id = x."accountId" and w.kind = x."from"
        on conflict (idempotency_key) do nothing
        returning id, idempotency_key as key, from_ledger_id as from_id, amount`,
  );
  if (inserted.length > 0) {
    await db.execute(sql`
      update ledger_accounts w set balance = w.balance - d.total
      from (select (x->>'from')::bigint as wallet, sum((x->>'amount')::bigint) as total
            from jsonb_array_elements(${JSON.stringify(inserted.map((r) => ({ from: String(r.from_id), amount: String(r.amount) })))}::jsonb) x
            group by 1) d
      where w.id = d.wallet`);
  }
  const ids = new Map(inserted.map((r) => [r.key, Number(r.id)]));
  if (ids.size < rows.length)
    await checkReplays(
      db,
      rows.filter((r) => !ids.has(r.key)),
      input.to,
      ids,
    );
  return ids;
}

/** Keys that were posted before must name the same movement, else it is a conflict (SPEC §2). */
async function checkReplays(
  db: Db,
  replays: Array<{ key: string; accountId: number; from: AccountLedgerKind; amount: string }>,
  to: SystemLedgerKind,
  ids: Map<string, number>,
): Promise<void> {
  const existing = await queryRows<{
    id: unknown;
    key: string;
    account_id: unknown;
    from_kind: string;
    amount: unknown;
    to_kind: string;
  }>(
    db,
    sql`select t.id, t.idempotency_key as key, f.account_id, f.kind as from_kind, t.amount, tl.kind as to_kind
        from transfers t join ledger_accounts f on f.id = t.from_ledger_id join ledger_accounts tl on tl.id = t.to_ledger_id
        where t.idempotency_key in (select jsonb_array_elements_text(${JSON.stringify(replays.map((r) => r.key))}::jsonb))`,
  );
  const byKey = new Map(existing.map((e) => [e.key, e]));
  for (const replay of replays) {
    const prior = byKey.get(replay.key);
    const same =
      prior &&
      Number(prior.account_id) === replay.accountId &&
      prior.from_kind === replay.from &&
      String(prior.amount) === replay.amount &&
      prior.to_kind === to;
    if (!same) throw new IdempotencyConflictError(replay.key);
    ids.set(replay.key, Number(prior.id));
  }
}
