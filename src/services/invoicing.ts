import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, type SQL, sql } from 'drizzle-orm';
import { at, type Db, jsonColumn, queryRows } from '../db/client.js';
import { accounts, closedMonths, invoiceRuns, invoices, plans } from '../db/schema.js';
import { localDate, monthOf, monthStart, monthsBetween, nextMonth } from '../domain/billing-month.js';
import { dueDateFor, PAYMENT_TERMS } from '../domain/receivables.js';
import { accountDebits } from '../ledger/batch.js';
import { IdempotencyConflictError } from '../ledger/ledger.js';
import { checkAlerts } from './alerts.js';
import { renewLease, withLease } from './leases.js';
import { enqueue, outboxInsert } from './outbox.js';
import { billedDevices, coveredDevices, invoiceNumber, monthCharge } from './sql/billing-rules.js';

export type Invoice = typeof invoices.$inferSelect;

export const INVOICE_LEASE = 'invoice-run';
const LEASE_MS = 5 * 60_000;
export const DEFAULT_CHUNK = 1_000;

/**
 * Chunks run side by side on PostgreSQL, each on its own connection: they lock disjoint accounts, and the one row
 * they share, the year's invoice counter, is taken in a chunk's last statement, so a chunk waits for the one before to
 * commit only for its numbers (kept gapless: an undone chunk gives its numbers back). PGlite has one connection.
 */
export function chunkWorkers(databaseKind: string): number {
  return databaseKind === 'postgres' ? 2 : 1;
}

export interface InvoiceRunOptions {
  /** The time the run stands for (`--now`): months that ended before it are closed. */
  now: Date;
  timeZone: string;
  /** Days from issue to the due date (PAYMENT_TERMS_DAYS). */
  paymentTermsDays?: number;
  /** Close only this month (it must have ended). */
  month?: string;
  chunkSize?: number;
  /** Where the run's summary goes (none: no summary is written). */
  financeChannel?: string;
  /** Checked before each chunk is claimed: on SIGTERM the run stops after the chunks in hand. */
  shouldStop?: () => boolean;
  /** Chunks in their own transactions at once (`chunkWorkers`); 1 when unset. */
  workers?: number;
  /** Called after each committed chunk (tests use it to crash a run part-way). */
  afterChunk?: (invoiced: number) => void | Promise<void>;
  /** Identifies this process in the lease. */
  holder?: string;
}

export type InvoiceRunResult =
  | { kind: 'busy' }
  /** `runId` is null when there was nothing to close and no run to carry on. */
  | { kind: 'done'; runId: number | null; months: string[]; invoiced: number; stopped: boolean };

/**
 * The monthly invoice run (SPEC §8, §14). Closes every ended, unclosed billing month, oldest first; per chunk of
 * accounts one transaction writes their invoices, their usage and amount-due transfers and their messages together,
 * in two set-based statements (`invoiceChunk`), then renews the lease. Exactly once: an account-month is
 * unique in the database, one replica at a time holds the run's lease, and a run that stopped part-way (a crash,
 * SIGTERM) is carried on by the next, under the same run id.
 */
export async function runInvoices(db: Db, options: InvoiceRunOptions): Promise<InvoiceRunResult> {
  const holder = options.holder ?? randomUUID();
  const run = await withLease(db, { name: INVOICE_LEASE, holder, ms: LEASE_MS }, () =>
    invoiceRun(db, { ...options, holder }),
  );
  return run.kind === 'busy' ? run : run.result;
}

async function invoiceRun(
  db: Db,
  options: InvoiceRunOptions & { holder: string },
): Promise<InvoiceRunResult> {
  const months = await monthsToClose(db, options);
  const unfinished = await unfinishedRun(db);
  if (months.length === 0 && unfinished === undefined) {
    return { kind: 'done', runId: null, months, invoiced: 0, stopped: false };
  }
  const runId = unfinished ?? (await newRun(db, options.now));
  let invoiced = 0;
  for (const month of months) {
    const done = await closeMonth(db, { ...options, month, runId });
    invoiced += done.invoiced;
    if (done.stopped) return { kind: 'done', runId, months, invoiced, stopped: true };
  }
  await finishRun(db, { runId, now: options.now, financeChannel: options.financeChannel });
  return { kind: 'done', runId, months, invoiced, stopped: false };
}

/** The run that stopped part-way (a crash, SIGTERM), to be carried on under its id. */
async function unfinishedRun(db: Db): Promise<number | undefined> {
  const [run] = await db
    .select({ id: invoiceRuns.id })
    .from(invoiceRuns)
    .where(eq(invoiceRuns.status, 'running'))
    .orderBy(desc(invoiceRuns.id))
    .limit(1);
  return run?.id;
}

async function newRun(db: Db, now: Date): Promise<number> {
  const [run] = await db.insert(invoiceRuns).values({ asOf: now, startedAt: new Date() }).returning();
  return run!.id;
}

/** Ended months not closed yet, from the month of the first account on, oldest first. */
async function monthsToClose(db: Db, options: InvoiceRunOptions): Promise<string[]> {
  const current = monthOf(options.now, options.timeZone);
  const closed = new Set(
    (await db.select({ month: closedMonths.month }).from(closedMonths)).map((r) => r.month),
  );
  if (options.month) {
    if (options.month >= current) throw new Error(`${options.month} has not ended yet`);
    return closed.has(options.month) ? [] : [options.month];
  }
  const [first] = await queryRows<{ first: Date | string | null }>(
    db,
    sql`select min(created_at) as first from accounts`,
  );
  if (!first?.first) return [];
  return monthsBetween(monthOf(new Date(first.first), options.timeZone), current).filter(
    (m) => !closed.has(m),
  );
}

async function closeMonth(
  db: Db,
  options: InvoiceRunOptions & { month: string; runId: number; holder: string },
): Promise<{ invoiced: number; stopped: boolean }> {
  const month = {
    ...options,
    start: monthStart(options.month, options.timeZone),
    end: monthStart(nextMonth(options.month), options.timeZone),
  };
  const claim = chunkClaims(db, month);
  let invoiced = 0;
  let stopped = false;
  let failed = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (failed) return;
      if (options.shouldStop?.()) {
        stopped = true;
        return;
      }
      const range = await claim();
      if (!range) return;
      const count = await db.transaction(async (tx) => {
        const done = await invoiceChunk(tx, { ...month, ...range });
        // Renewed in the chunk's own transaction: one commit per chunk, and a chunk never commits on a lost lease.
        if (done > 0) await renewLease(tx, INVOICE_LEASE, options.holder, LEASE_MS);
        return done;
      });
      invoiced += count;
      await options.afterChunk?.(count);
    }
  };
  const workers = Array.from({ length: options.workers ?? 1 }, () =>
    worker().catch((err: unknown) => {
      failed = true;
      throw err;
    }),
  );
  // Every worker has stopped before the run reports (or throws): no chunk is left committing behind it.
  const ends = await Promise.allSettled(workers);
  const failure = ends.find((end) => end.status === 'rejected');
  if (failure) throw failure.reason;
  if (stopped) return { invoiced, stopped: true };
  await db
    .insert(closedMonths)
    .values({ month: options.month, runId: options.runId, closedAt: options.now })
    .onConflictDoNothing();
  return { invoiced, stopped: false };
}

interface MonthScope extends InvoiceRunOptions {
  month: string;
  runId: number;
  start: Date;
  end: Date;
}

/** A chunk: the month's uninvoiced accounts after `after`, up to `last`. */
interface ChunkRange {
  after: number;
  last: number;
}

/**
 * Hands out the month's chunks in account order, one claim at a time (each begins where the one before ended), so
 * the workers' chunks never share an account; undefined once no account is left.
 */
function chunkClaims(db: Db, month: MonthScope): () => Promise<ChunkRange | undefined> {
  let after = 0;
  let claims: Promise<ChunkRange | undefined> = Promise.resolve(undefined);
  return () => {
    claims = claims.then(async () => {
      const [row] = await queryRows<{ last: unknown }>(
        db,
        sql`select max(a.id) as last from (${uninvoicedAccounts({ ...month, after }, sql`a.id`)}) a`,
      );
      if (row?.last === null || row?.last === undefined) return undefined;
      const range = { after, last: Number(row.last) };
      after = range.last;
      return range;
    });
    return claims;
  };
}

/**
 * The next chunk's worth of the month's accounts after `after` (up to `last`, a claimed chunk) that have no invoice
 * for it yet, in account order.
 */
function uninvoicedAccounts(o: MonthScope & { after: number; last?: number }, columns: SQL): SQL {
  const upTo = o.last === undefined ? sql`` : sql`and a.id <= ${o.last}`;
  return sql`select ${columns} from accounts a
    where a.id > ${o.after} ${upTo} and a.created_at < ${at(o.end)}
      and not exists (select 1 from invoices i
                      where i.account_id = a.id and i.account_id > ${o.after} and i.month = ${o.month})
    order by a.id
    limit ${o.chunkSize ?? DEFAULT_CHUNK}`;
}

interface ChunkCharges {
  count: unknown;
  /** The accounts whose wallet paid, as a json array (null when none did). */
  debited: unknown;
  conflict: string | null;
  /** The chunk's invoices but their numbers, as json text that goes back as it came to `invoiceInsert`. */
  invoices: string | null;
}

/**
 * Invoices the next chunk of accounts of a month in one transaction, in two statements. The first
 * (`chargeStatement`) locks the chunk's wallets and receivables in account order, as the suspension review locks
 * receivables, so the two never deadlock (a credit to one of these wallets waits for the chunk and then settles the
 * invoice it made, SPEC §14); then, from that same row set, it charges (the domain's `chargeFor` in its SQL form),
 * posts the usage and amount-due transfers and their debits, and queues the messages of the invoices it takes ids
 * for. The low-balance check follows. Only then does the second (`invoiceInsert`) take the year's invoice numbers
 * and write the invoices: the counter is the one row the chunks at work share, and each holds it from there to its
 * commit, so what comes after it is kept short.
 */
async function invoiceChunk(tx: Db, o: MonthScope & ChunkRange): Promise<number> {
  // The statement's estimated cost (CTEs are planned blind) can pass jit_above_cost, and compiling it took seconds:
  // far more than running it.
  await tx.execute(sql`set local jit = off`);
  const [row] = await queryRows<ChunkCharges>(tx, chargeStatement(o));
  const count = Number(row?.count ?? 0);
  if (count === 0) return 0;
  if (row!.conflict) throw new IdempotencyConflictError(row!.conflict);
  const debited = (jsonColumn(row!.debited) as number[] | null) ?? [];
  await checkAlerts(tx, { accountIds: debited, now: o.now, timeZone: o.timeZone });
  await tx.execute(invoiceInsert(o, count, row!.invoices!));
  return count;
}

function chargeStatement(o: MonthScope & ChunkRange): SQL {
  const usageKey = sql`'usage:' || c.account_id || ':' || ${o.month}::text`;
  const dueKey = sql`'due:' || c.account_id || ':' || ${o.month}::text`;
  // The chunk's accounts are picked first, under their LIMIT, and their wallets and receivables found from them by
  // index: the planner expects at most a chunk of rows whatever its statistics. Bounding w and r by a.id > after as
  // well (so that merge joins started at the chunk) multiplied the bound's selectivity three times: late in a large
  // run the chunk was estimated at a few rows, so it hash-joined every account left and then sorted them, and the
  // steps after it nested-looped the chunk's transfers against each other. The bound on i, repeated, keeps the
  // anti-join's estimate (and its index scan) to the accounts after the chunk.
  return sql`
    with chunk as materialized (
      select a.id as account_id, a.plan_code, a.billing_channel_id, p.price_cents, w.balance,
             w.id as wallet_id, r.id as receivable_id, r.balance as receivable_balance,
             ${billedDevices(sql`a.id`, { start: o.start, end: o.end, endIncluded: false })} as billed,
             ${coveredDevices(sql`a.id`, o.month)} as covered
      from (${uninvoicedAccounts(o, sql`a.id, a.plan_code, a.billing_channel_id`)}) a
      join plans p on p.code = a.plan_code
      join ledger_accounts w on w.account_id = a.id and w.kind = 'wallet'
      join ledger_accounts r on r.account_id = a.id and r.kind = 'receivable'
      order by a.id
      for update of w, r
    ), charged as materialized (
      -- The invoice's id is taken here so that its messages can be queued before its number is.
      select c.*, ch.*, row_number() over (order by c.account_id) as n,
             nextval(pg_get_serial_sequence('invoices', 'id')) as invoice_id
      from chunk c
      cross join lateral ${monthCharge(sql`c.billed`, sql`c.covered`, sql`c.price_cents`, sql`c.balance`)} ch
    ), wanted as materialized (
      -- What the wallet paid goes to revenue from the wallet, the rest from the receivable: revenue holds the charge.
      select m.key, m.ledger_id, m.amount, m.memo, m.balance
      from charged c cross join lateral (values
        (${usageKey}, c.wallet_id, c.paid, 'Usage ' || ${o.month}::text || ': ' || c.billable || ' devices', c.balance),
        (${dueKey}, c.receivable_id, c.due, 'Amount due ' || ${o.month}::text || ': ' || c.billable || ' devices',
         c.receivable_balance)
      ) as m(key, ledger_id, amount, memo, balance)
      where m.amount > 0
      order by c.account_id
    ), ${accountDebits('wanted', { to: 'usage_revenue', actor: 'system', at: o.now })},
    messages as (
      -- $0.00 invoices (no billable devices) are recorded but not posted; the others are posted, and their PDF is
      -- queued when the message is sent (markSent in outbox.ts).
      ${outboxInsert(
        sql`select 'invoice:' || c.invoice_id, c.billing_channel_id,
                   jsonb_build_object('type', 'invoice', 'invoiceId', c.invoice_id)
            from charged c
            where c.charge > 0 and c.billing_channel_id <> ''
            order by c.account_id`,
        o.now,
      )}
    )
    select (select count(*) from charged) as count,
           (select json_agg(account_id order by account_id) from charged where paid > 0) as debited,
           (select min(x.key) from wanted x left join movements m on m.key = x.key where m.same is not true)
             as conflict,
           (select json_agg(json_build_object(
                     'id', c.invoice_id, 'n', c.n, 'account_id', c.account_id, 'plan_code', c.plan_code,
                     'price_cents', c.price_cents, 'billed', c.billed, 'covered', c.covered, 'billable', c.billable,
                     'charge', c.charge, 'paid', c.paid, 'due', c.due, 'status', c.status,
                     'transfer_id', u.id, 'due_transfer_id', d.id) order by c.account_id)::text
            from charged c
            left join movements u on u.key = ${usageKey}
            left join movements d on d.key = ${dueKey}) as invoices`;
}

/**
 * Takes `count` invoice numbers of the year and writes the chunk's invoices (`invoices`, from `chargeStatement`) with
 * them, in account order: the counter stays locked to the commit, so an undone chunk gives its numbers back.
 */
function invoiceInsert(o: MonthScope, count: number, invoices: string): SQL {
  const year = o.month.slice(0, 4);
  const issueDate = localDate(o.now, o.timeZone);
  const dueDate = dueDateFor(issueDate, o.paymentTermsDays ?? PAYMENT_TERMS.default);
  return sql`
    with numbered as (
      insert into number_sequences (scope, last) values (${`invoice:${year}`}, ${count})
      on conflict (scope) do update set last = number_sequences.last + excluded.last
      returning last
    )
    insert into invoices (id, number, account_id, month, plan_code, unit_price_cents, billed_devices, covered_devices,
      billable_devices, charge_cents, paid_from_balance_cents, amount_due_cents, issue_date, due_date,
      outstanding_cents, status, transfer_id, due_transfer_id, run_id, created_at)
    overriding system value
    select c.id, ${invoiceNumber(year, sql`s.last - ${count} + c.n`)}, c.account_id, ${o.month}, c.plan_code,
           c.price_cents, c.billed, c.covered, c.billable, c.charge, c.paid, c.due, ${issueDate}::date,
           ${dueDate}::date, c.due, c.status, c.transfer_id, c.due_transfer_id, ${o.runId}, ${at(o.now)}
    from json_to_recordset(${invoices}::json) as c(id bigint, n bigint, account_id bigint, plan_code text,
           price_cents bigint, billed integer, covered integer, billable integer, charge bigint, paid bigint,
           due bigint, status text, transfer_id bigint, due_transfer_id bigint)
    cross join numbered s
    order by c.account_id`;
}

/** Marks the run finished and, in the same transaction, writes its summary and CSV for finance. */
async function finishRun(
  db: Db,
  input: { runId: number; now: Date; financeChannel?: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [run] = await tx
      .update(invoiceRuns)
      .set({ status: 'finished', finishedAt: new Date() })
      .where(and(eq(invoiceRuns.id, input.runId), eq(invoiceRuns.status, 'running')))
      .returning();
    if (!run || !input.financeChannel) return;
    const [{ n } = { n: 0 }] = await queryRows<{ n: unknown }>(
      tx,
      sql`select count(*) as n from invoices where run_id = ${run.id}`,
    );
    if (Number(n) === 0) return;
    await enqueue(
      tx,
      [
        {
          dedupeKey: `run-summary:${run.id}`,
          channelId: input.financeChannel,
          event: { type: 'run_summary', runId: run.id },
        },
        {
          dedupeKey: `run-csv:${run.id}`,
          channelId: input.financeChannel,
          event: { type: 'run_csv', runId: run.id },
        },
      ],
      input.now,
    );
  });
}

/** An invoice with the names it is shown under: its account's, and the plan it was billed on. */
export interface NamedInvoice {
  invoice: Invoice;
  accountName: string;
  planName: string;
}

/**
 * Invoices with their account and plan names, in one query: one invoice (by id or number), a run's or every account's (by number),
 * or one account's (newest month first); optionally of one month.
 */
export async function namedInvoices(
  db: Db,
  filter:
    | { invoiceId: number }
    | { number: string }
    | { runId: number }
    | { accountId: number; month?: string; limit?: number }
    | { everyAccount: true; month?: string },
): Promise<NamedInvoice[]> {
  const month = 'month' in filter && filter.month ? eq(invoices.month, filter.month) : undefined;
  const where =
    'invoiceId' in filter
      ? eq(invoices.id, filter.invoiceId)
      : 'number' in filter
        ? eq(invoices.number, filter.number)
        : 'runId' in filter
          ? eq(invoices.runId, filter.runId)
          : 'accountId' in filter
            ? and(eq(invoices.accountId, filter.accountId), month)
            : month;
  const query = db
    .select({
      invoice: invoices,
      accountName: accounts.name,
      planName: sql<string>`coalesce(${plans.name}, ${invoices.planCode})`,
    })
    .from(invoices)
    .innerJoin(accounts, eq(accounts.id, invoices.accountId))
    .leftJoin(plans, eq(plans.code, invoices.planCode))
    .where(where)
    .orderBy('accountId' in filter ? desc(invoices.month) : asc(invoices.number));
  return 'limit' in filter && filter.limit ? query.limit(filter.limit) : query;
}
