import { sql } from 'drizzle-orm';
import { type Db, queryRows, toBigInt } from '../db/client.js';
import { outstandingFromLedger } from '../services/sql/billing-rules.js';

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
 * Checks the ledger's invariants (SPEC §2, §14): each wallet's and receivable's cached balance equals the sum of its
 * transfers, no wallet is below zero and no receivable above it, all balances add up to zero, no reversal runs the
 * wrong way or exceeds what it reverses; the receivables agree with the invoices: each receivable is minus the
 * outstanding amounts of its account's invoices, each invoice's outstanding amount is its amount due less the
 * transfers that settled it and not below zero, and those transfers run the way a settlement does; and no refund has
 * been left half done (pending for longer than STUCK_REFUND_MS before `now`).
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
    const owned = row.kind === 'wallet' || row.kind === 'receivable';
    if (!owned) {
      total += computed;
      continue;
    }
    const label = `${row.kind} of "${row.name}" (ledger account ${row.id})`;
    const cached = toBigInt(row.cached);
    total += cached;
    if (cached !== computed)
      problems.push(`${label}: cached balance ${cached} ≠ sum of its transfers ${computed}`);
    if (row.kind === 'wallet' && cached < 0n) problems.push(`${label}: balance ${cached} is below zero`);
    if (row.kind === 'receivable' && cached > 0n) problems.push(`${label}: balance ${cached} is above zero`);
  }
  if (total !== 0n) problems.push(`the balances of all ledger accounts add up to ${total}, not 0`);
  problems.push(...(await reversalProblems(db)));
  problems.push(...(await stuckRefundProblems(db, options.now ?? new Date())));
  problems.push(...(await receivableProblems(db)));
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

/** SPEC §14: the receivables against the invoices, and every settlement's direction. */
async function receivableProblems(db: Db): Promise<string[]> {
  const owed = await queryRows<{ id: unknown; name: string; balance: unknown; outstanding: unknown }>(
    db,
    sql`select r.id, a.name, r.balance, coalesce(o.total, 0) as outstanding
        from ledger_accounts r join accounts a on a.id = r.account_id
        left join (select account_id, sum(outstanding_cents) as total from invoices group by account_id) o
          on o.account_id = r.account_id
        where r.kind = 'receivable' and r.balance <> -coalesce(o.total, 0)
        limit ${SHOW_AT_MOST}`,
  );
  const invoices = await queryRows<{ number: string; name: string; cached: unknown; from_ledger: unknown }>(
    db,
    sql`select * from (
          select i.number, a.name, i.outstanding_cents as cached, ${outstandingFromLedger('i')} as from_ledger
          from invoices i join accounts a on a.id = i.account_id) x
        where x.cached <> x.from_ledger or x.from_ledger < 0
        limit ${SHOW_AT_MOST}`,
  );
  const postings = await queryRows<{ number: string; name: string; transfer: unknown; problem: string }>(
    db,
    sql`select i.number, a.name, t.id as transfer, 'its amount-due transfer is not its amount due from its receivable to usage_revenue' as problem
        from invoices i join accounts a on a.id = i.account_id
        left join transfers t on t.id = i.due_transfer_id
        left join ledger_accounts f on f.id = t.from_ledger_id
        left join ledger_accounts tl on tl.id = t.to_ledger_id
        where i.amount_due_cents > 0 and (t.id is null or t.amount <> i.amount_due_cents or f.kind <> 'receivable'
              or f.account_id <> i.account_id or tl.kind <> 'usage_revenue')
        union all
        select i.number, a.name, t.id, case
            when tl.kind <> 'receivable' or tl.account_id <> i.account_id then 'settled by a transfer into another ledger account'
            when f.kind = 'bad_debt' and i.status <> 'written_off' then 'has a write-off but is not written off'
            else 'settled from a ledger account that cannot pay it' end
        from invoice_settlements s join invoices i on i.id = s.invoice_id join accounts a on a.id = i.account_id
        join transfers t on t.id = s.transfer_id
        join ledger_accounts f on f.id = t.from_ledger_id join ledger_accounts tl on tl.id = t.to_ledger_id
        where tl.kind <> 'receivable' or tl.account_id <> i.account_id
           or (f.kind = 'bad_debt' and i.status <> 'written_off')
           or not (f.kind in ('offline_payments', 'bad_debt') or (f.kind = 'wallet' and f.account_id = i.account_id))
        union all
        select i.number, a.name, null, 'is written off with no write-off transfer'
        from invoices i join accounts a on a.id = i.account_id
        where i.status = 'written_off' and not exists (
          select 1 from invoice_settlements s join transfers t on t.id = s.transfer_id
          join ledger_accounts f on f.id = t.from_ledger_id where s.invoice_id = i.id and f.kind = 'bad_debt')
        limit ${SHOW_AT_MOST}`,
  );
  return [
    ...owed.map(
      (r) =>
        `receivable of "${r.name}" (ledger account ${r.id}): balance ${toBigInt(r.balance)} ≠ minus the outstanding amounts of its invoices (${toBigInt(r.outstanding)})`,
    ),
    ...invoices.map((r) => {
      const fromLedger = toBigInt(r.from_ledger);
      return fromLedger < 0n
        ? `invoice ${r.number} of "${r.name}": settled ${-fromLedger} more than its amount due`
        : `invoice ${r.number} of "${r.name}": outstanding ${toBigInt(r.cached)} ≠ amount due less its settlements ${fromLedger}`;
    }),
    ...postings.map(
      (r) =>
        `invoice ${r.number} of "${r.name}"${r.transfer === null ? '' : ` (transfer ${r.transfer})`}: ${r.problem}`,
    ),
  ];
}
