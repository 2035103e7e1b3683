import { sql } from 'drizzle-orm';
import { type Db, queryRows, toBigInt } from '../db/client.js';

export interface VerifyReport {
  ok: boolean;
  /** One line per problem, naming the ledger account or transfer. */
  problems: string[];
  ledgerAccounts: number;
  transfers: number;
}

const SHOW_AT_MOST = 50;

/**
 * A refund still pending after this has lost its provider call (a crash): recovery, at start and every few minutes,
 * should have settled or reversed it, so `verify` calls it a problem.
 */
export const STUCK_REFUND_MS = 10 * 60_000;

/**
 * Checks the ledger's invariants (SPEC §2): each wallet's cached balance equals the sum of its transfers, no wallet is
 * below zero, all balances add up to zero, and no reversal runs the wrong way or exceeds what it reverses; and no
 * refund has been left half done (pending for longer than STUCK_REFUND_MS before `now`).
 */
export async function verifyLedger(db: Db, options: { now?: Date } = {}): Promise<VerifyReport> {
  const balances = await queryRows<{
    id: unknown;
    kind: string;
    name: string | null;
    cached: unknown;
    computed: unknown;
  }>(
    db,
    sql`with flows as (
          select to_ledger_id as id, amount from transfers
          union all
          select from_ledger_id, -amount from transfers
        ), sums as (select id, sum(amount) as computed from flows group by id)
        select la.id, la.kind, a.name, la.balance as cached, coalesce(s.computed, 0) as computed
        from ledger_accounts la
        left join sums s on s.id = la.id
        left join accounts a on a.id = la.account_id`,
  );
  const problems: string[] = [];
  let total = 0n;
  for (const row of balances) {
    const computed = toBigInt(row.computed);
    const label =
      row.kind === 'wallet' ? `wallet of "${row.name}" (ledger account ${row.id})` : `${row.kind} account`;
    if (row.kind !== 'wallet') {
      total += computed;
      continue;
    }
    const cached = toBigInt(row.cached);
    total += cached;
    if (cached !== computed)
      problems.push(`${label}: cached balance ${cached} ≠ sum of its transfers ${computed}`);
    if (cached < 0n) problems.push(`${label}: balance ${cached} is below zero`);
  }
  if (total !== 0n) problems.push(`the balances of all ledger accounts add up to ${total}, not 0`);
  problems.push(...(await reversalProblems(db)));
  problems.push(...(await stuckRefundProblems(db, options.now ?? new Date())));
  const [{ count } = { count: 0 }] = await queryRows<{ count: unknown }>(
    db,
    sql`select count(*) as count from transfers`,
  );
  return {
    ok: problems.length === 0,
    problems:
      problems.length > SHOW_AT_MOST
        ? [...problems.slice(0, SHOW_AT_MOST), `… and ${problems.length - SHOW_AT_MOST} more`]
        : problems,
    ledgerAccounts: balances.length,
    transfers: Number(count),
  };
}

async function reversalProblems(db: Db): Promise<string[]> {
  const rows = await queryRows<{ id: unknown; original: unknown; problem: string }>(
    db,
    sql`with net as (
          select r.id, r.reverses_id, r.from_ledger_id, r.to_ledger_id,
                 r.amount - coalesce((select sum(back.amount) from transfers back where back.reverses_id = r.id), 0) as kept
          from transfers r where r.reverses_id is not null
        )
        select n.id, o.id as original,
          case when n.from_ledger_id <> o.to_ledger_id or n.to_ledger_id <> o.from_ledger_id
               then 'does not run opposite to' else 'over-reverses' end as problem
        from net n join transfers o on o.id = n.reverses_id
        where n.from_ledger_id <> o.to_ledger_id or n.to_ledger_id <> o.from_ledger_id
           or (select sum(x.kept) from net x where x.reverses_id = o.id) > o.amount
        limit ${SHOW_AT_MOST}`,
  );
  return rows.map((r) => `transfer ${r.id} ${r.problem} transfer ${r.original}`);
}

async function stuckRefundProblems(db: Db, now: Date): Promise<string[]> {
  const rows = await queryRows<{
    id: unknown;
    payment_id: string;
    amount_cents: unknown;
    created_at: unknown;
  }>(
    db,
    sql`select id, payment_id, amount_cents, created_at from refunds
        where status = 'pending' and created_at < ${new Date(now.getTime() - STUCK_REFUND_MS).toISOString()}::timestamptz
        order by created_at limit ${SHOW_AT_MOST}`,
  );
  return rows.map(
    (r) =>
      `refund ${r.id} of payment ${r.payment_id} (${toBigInt(r.amount_cents)}) pending since ` +
      `${new Date(String(r.created_at)).toISOString()}: debited, never settled or reversed (run \`balance jobs recover\`)`,
  );
}
