import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { at, type Db, queryRows, toBigInt } from '../db/client.js';
import { accounts, closedMonths, invoiceRuns, invoices, plans } from '../db/schema.js';
import { localDate, monthOf, monthStart, monthsBetween, nextMonth } from '../domain/billing-month.js';
import { chargeFor, formatInvoiceNumber } from '../domain/invoice.js';
import { dueDateFor, PAYMENT_TERMS } from '../domain/receivables.js';
import { postAccountDebits } from '../ledger/batch.js';
import { checkAlerts } from './alerts.js';
import { renewLease, withLease } from './leases.js';
import { enqueue, type OutboxItem } from './outbox.js';
import { billedDevices, coveredDevices } from './sql/billing-rules.js';

export type Invoice = typeof invoices.$inferSelect;

export const INVOICE_LEASE = 'invoice-run';
const LEASE_MS = 5 * 60_000;
export const DEFAULT_CHUNK = 1_000;

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
  /** Checked between chunks: on SIGTERM the run stops after the chunk in hand. */
  shouldStop?: () => boolean;
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
 * in a handful of set-based statements. Exactly once: an account-month is unique in the database, one replica at a time holds the run's lease,
 * and a run that stopped part-way (a crash, SIGTERM) is carried on by the next, under the same run id.
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

interface ChunkRow {
  account_id: unknown;
  billing_channel_id: string | null;
  price_cents: unknown;
  plan_code: string;
  balance: unknown;
  billed: unknown;
  covered: unknown;
}

async function closeMonth(
  db: Db,
  options: InvoiceRunOptions & { month: string; runId: number; holder: string },
): Promise<{ invoiced: number; stopped: boolean }> {
  const start = monthStart(options.month, options.timeZone);
  const end = monthStart(nextMonth(options.month), options.timeZone);
  let invoiced = 0;
  let after = 0;
  for (;;) {
    if (options.shouldStop?.()) return { invoiced, stopped: true };
    const chunk = await db.transaction((tx) => invoiceChunk(tx, { ...options, start, end, after }));
    if (chunk.count === 0) break;
    invoiced += chunk.count;
    after = chunk.lastAccountId;
    await renewLease(db, INVOICE_LEASE, options.holder, LEASE_MS);
    await options.afterChunk?.(chunk.count);
  }
  await db
    .insert(closedMonths)
    .values({ month: options.month, runId: options.runId, closedAt: options.now })
    .onConflictDoNothing();
  return { invoiced, stopped: false };
}

/**
 * Invoices the next chunk of accounts of a month in one transaction. The chunk's wallets and receivables are locked
 * in account order, as the suspension review locks receivables, so the two never deadlock; a credit to one of these
 * wallets waits for the chunk and then settles the invoice it made (SPEC §14).
 */
async function invoiceChunk(
  tx: Db,
  o: InvoiceRunOptions & { month: string; runId: number; start: Date; end: Date; after: number },
): Promise<{ count: number; lastAccountId: number }> {
  const rows = await queryRows<ChunkRow>(
    tx,
    sql`select a.id as account_id, a.billing_channel_id, a.plan_code, p.price_cents, w.balance,
          ${billedDevices(sql`a.id`, { start: o.start, end: o.end, endIncluded: false })} as billed,
          ${coveredDevices(sql`a.id`, o.month)} as covered
        from accounts a
        join plans p on p.code = a.plan_code
        join ledger_accounts w on w.account_id = a.id and w.kind = 'wallet'
        join ledger_accounts r on r.account_id = a.id and r.kind = 'receivable'
        where a.id > ${o.after} and a.created_at < ${at(o.end)}
          and not exists (select 1 from invoices i where i.account_id = a.id and i.month = ${o.month})
        order by a.id
        limit ${o.chunkSize ?? DEFAULT_CHUNK}
        for update of w, r`,
  );
  if (rows.length === 0) return { count: 0, lastAccountId: o.after };
  const charges = rows.map((r) => {
    const accountId = Number(r.account_id);
    const unitPriceCents = toBigInt(r.price_cents);
    const billedDevices = Number(r.billed);
    const coveredDevices = Number(r.covered);
    return {
      accountId,
      billingChannelId: r.billing_channel_id,
      planCode: r.plan_code,
      unitPriceCents,
      billedDevices,
      coveredDevices,
      ...chargeFor(billedDevices, coveredDevices, unitPriceCents, toBigInt(r.balance)),
    };
  });
  const year = o.month.slice(0, 4);
  const [{ last } = { last: 0 }] = await queryRows<{ last: unknown }>(
    tx,
    sql`insert into number_sequences (scope, last) values (${`invoice:${year}`}, ${charges.length})
        on conflict (scope) do update set last = number_sequences.last + ${charges.length}
        returning last`,
  );
  const firstNumber = Number(last) - charges.length + 1;
  // What the wallet paid goes to revenue from the wallet, the rest from the receivable: revenue holds the charge.
  const usageKey = (accountId: number) => `usage:${accountId}:${o.month}`;
  const dueKey = (accountId: number) => `due:${accountId}:${o.month}`;
  const transferIds = await postAccountDebits(
    tx,
    charges.flatMap((c) => [
      {
        key: usageKey(c.accountId),
        accountId: c.accountId,
        from: 'wallet' as const,
        amount: c.paidFromBalanceCents,
        memo: `Usage ${o.month}: ${c.billableDevices} devices`,
      },
      {
        key: dueKey(c.accountId),
        accountId: c.accountId,
        from: 'receivable' as const,
        amount: c.amountDueCents,
        memo: `Amount due ${o.month}: ${c.billableDevices} devices`,
      },
    ]),
    { to: 'usage_revenue', actor: 'system', at: o.now },
  );
  const issueDate = localDate(o.now, o.timeZone);
  const invoiceRows = charges.map((c, i) => ({
    number: formatInvoiceNumber(year, firstNumber + i),
    account_id: c.accountId,
    plan_code: c.planCode,
    unit_price: c.unitPriceCents.toString(),
    billed: c.billedDevices,
    covered: c.coveredDevices,
    billable: c.billableDevices,
    charge: c.chargeCents.toString(),
    paid: c.paidFromBalanceCents.toString(),
    due: c.amountDueCents.toString(),
    status: c.status,
    transfer_id: transferIds.get(usageKey(c.accountId)) ?? null,
    due_transfer_id: transferIds.get(dueKey(c.accountId)) ?? null,
  }));
  // One parameter for the whole chunk: the outstanding amount starts at the amount due.
  const created = await queryRows<{ id: unknown; account_id: unknown; charge_cents: unknown }>(
    tx,
    sql`insert into invoices (number, account_id, month, plan_code, unit_price_cents, billed_devices, covered_devices,
          billable_devices, charge_cents, paid_from_balance_cents, amount_due_cents, issue_date, due_date,
          outstanding_cents, status, transfer_id, due_transfer_id, run_id, created_at)
        select x.number, x.account_id, ${o.month}, x.plan_code, x.unit_price::bigint, x.billed, x.covered, x.billable,
               x.charge::bigint, x.paid::bigint, x.due::bigint, ${issueDate}::date,
               ${dueDateFor(issueDate, o.paymentTermsDays ?? PAYMENT_TERMS.default)}::date, x.due::bigint,
               x.status, x.transfer_id, x.due_transfer_id, ${o.runId}, ${at(o.now)}
        from jsonb_to_recordset(${JSON.stringify(invoiceRows)}::jsonb) as x(number text, account_id bigint, plan_code text,
          unit_price text, billed integer, covered integer, billable integer, charge text, paid text, due text,
          status text, transfer_id bigint, due_transfer_id bigint)
        returning id, account_id, charge_cents`,
  );
  const channelOf = new Map(charges.map((c) => [c.accountId, c.billingChannelId]));
  // $0.00 invoices (no billable devices) are recorded but not posted; the others are posted, then their PDF.
  const messages: OutboxItem[] = created
    .filter((inv) => toBigInt(inv.charge_cents) > 0n && channelOf.get(Number(inv.account_id)))
    .flatMap((inv) => {
      const channelId = channelOf.get(Number(inv.account_id))!;
      const invoiceId = Number(inv.id);
      return [
        { dedupeKey: `invoice:${inv.id}`, channelId, event: { type: 'invoice', invoiceId } },
        { dedupeKey: `invoice-pdf:${inv.id}`, channelId, event: { type: 'invoice_pdf', invoiceId } },
      ] satisfies OutboxItem[];
    });
  await enqueue(tx, messages, o.now);
  const debited = charges.filter((c) => c.paidFromBalanceCents > 0n).map((c) => c.accountId);
  await checkAlerts(tx, { accountIds: debited, now: o.now, timeZone: o.timeZone });
  return { count: charges.length, lastAccountId: charges.at(-1)!.accountId };
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
