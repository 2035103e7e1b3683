import { type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { at, type Db, queryRows, toBigInt } from '../db/client.js';
import { localDate } from '../domain/billing-month.js';
import { parseInvoiceNumber } from '../domain/invoice.js';
import {
  AGING_BUCKETS,
  type AgingBucket,
  allocateSettlement,
  type InvoiceStatus,
  invoiceStatus,
  paymentReferenceSchema,
  writeOffReasonSchema,
} from '../domain/receivables.js';
import { type LedgerRef, postTransfer, walletBalance } from '../ledger/ledger.js';
import { type CollectionsContext, restoreIfCleared } from './collections.js';
import { UserError } from './errors.js';
import { agingBucket, daysPastDue, settlementOrder } from './sql/billing-rules.js';

/** One invoice a credit, an offline payment or a write-off paid something of. */
export interface SettledInvoice {
  invoiceId: number;
  number: string;
  amountCents: bigint;
  /** What is left to pay after it (zero: now paid, or written off). */
  outstandingCents: bigint;
}

/** What a credit settled (SPEC §14: "$500.00 added · $190.00 paid INV-2026-00002 (now paid) · new balance $310.00"). */
export interface Settlement {
  /** Oldest invoice first; empty when nothing was owed. */
  settled: SettledInvoice[];
  /** The wallet after the credit and the settlements. */
  balanceCents: bigint;
  /** The account was suspended and nothing is overdue any more: it was restored. */
  restored: boolean;
}

/**
 * Pays the account's open invoices from its wallet, oldest first (SPEC §14), in the caller's transaction, right after
 * a credit to the wallet (`creditTransferId`): min(outstanding, what the wallet holds) per invoice, as wallet →
 * receivable transfers keyed `settle:<invoice id>:<credit transfer id>`, each linked to its invoice, whose cached
 * outstanding amount and status change in the same statement set. A suspended account with nothing overdue left is
 * restored at once.
 *
 * Concurrency: the credit has just updated the wallet row, so this transaction holds its lock: credits to one account
 * settle one after another. The open invoices are locked `FOR UPDATE`, which waits for an offline payment or a
 * write-off in flight and then reads what it left; the receivable's `balance <= 0` and the invoice's
 * `outstanding between 0 and amount due` CHECKs stand behind the arithmetic.
 */
export async function settleOpenInvoices(
  tx: Db,
  accountId: number,
  creditTransferId: number,
  context: CollectionsContext & { actor: string },
): Promise<Settlement> {
  // Sent together: the wallet row is already this transaction's (the credit locked it), so its balance is the same
  // whether it is read before or after the invoices' locks are granted.
  const [open, balance] = await Promise.all([
    queryRows<{ id: unknown; number: string; month: string; outstanding_cents: unknown }>(
      tx,
      sql`select i.id, i.number, i.month, i.outstanding_cents from invoices i
          where i.account_id = ${accountId} and i.outstanding_cents > 0
          order by ${settlementOrder('i')} for update`,
    ),
    walletBalance(tx, accountId),
  ]);
  if (open.length === 0) return { settled: [], balanceCents: balance, restored: false };
  const numbers = new Map(open.map((r) => [Number(r.id), r.number]));
  const plan = allocateSettlement(
    balance,
    open.map((r) => ({ id: Number(r.id), month: r.month, outstandingCents: toBigInt(r.outstanding_cents) })),
  );
  const settled: SettledInvoice[] = [];
  const links: Link[] = [];
  for (const { invoice, amountCents } of plan) {
    const number = numbers.get(invoice.id)!;
    const { transfer } = await postTransfer(tx, {
      key: `settle:${invoice.id}:${creditTransferId}`,
      from: { wallet: accountId },
      to: { receivable: accountId },
      amount: amountCents,
      actor: context.actor,
      memo: `Settles ${number}`,
      at: context.now,
    });
    settled.push({
      invoiceId: invoice.id,
      number,
      amountCents,
      outstandingCents: invoice.outstandingCents - amountCents,
    });
    links.push({ invoiceId: invoice.id, transferId: transfer.id, creditTransferId });
  }
  await linkSettlements(tx, links);
  await applySettlements(tx, settled);
  const restored = settled.length > 0 && (await restoreIfCleared(tx, accountId, context));
  return { settled, balanceCents: balance - sum(settled), restored };
}

/** What invoice `i` still owed right after the settling transfer `transferId` (settlements are in id order). */
function outstandingAfter(transferId: SQL) {
  return sql`(i.amount_due_cents - (select coalesce(sum(pt.amount), 0) from invoice_settlements ps
              join transfers pt on pt.id = ps.transfer_id where ps.invoice_id = i.id and pt.id <= ${transferId}))`;
}

interface Link {
  invoiceId: number;
  transferId: number;
  /** The wallet credit that paid it (settlements from a credit only). */
  creditTransferId?: number;
}

async function linkSettlements(db: Db, links: Link[]): Promise<void> {
  if (links.length === 0) return;
  await db.execute(sql`
    insert into invoice_settlements (transfer_id, invoice_id, credit_transfer_id)
    select x."transferId", x."invoiceId", x."creditTransferId"
    from jsonb_to_recordset(${JSON.stringify(links)}::jsonb)
      as x("transferId" bigint, "invoiceId" bigint, "creditTransferId" bigint)`);
}

/** The cached outstanding amounts and statuses of the invoices just settled, in one statement. */
async function applySettlements(db: Db, settled: SettledInvoice[], writeOff?: WriteOffNote): Promise<void> {
  if (settled.length === 0) return;
  const rows = settled.map((s) => ({
    id: s.invoiceId,
    amount: s.amountCents.toString(),
    status: invoiceStatus(s.outstandingCents, writeOff !== undefined),
  }));
  const writtenOff = writeOff
    ? sql`, written_off_by = ${writeOff.by}, written_off_at = ${at(writeOff.at)}, write_off_reason = ${writeOff.reason}`
    : sql``;
  await db.execute(sql`
    update invoices i set outstanding_cents = i.outstanding_cents - x.amount::bigint, status = x.status ${writtenOff}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id bigint, amount text, status text)
    where i.id = x.id`);
}

function sum(settled: SettledInvoice[]): bigint {
  return settled.reduce((total, s) => total + s.amountCents, 0n);
}

interface WriteOffNote {
  by: string;
  at: Date;
  reason: string;
}

export class NoInvoiceError extends UserError {
  override name = 'NoInvoiceError';
  constructor(readonly number: string) {
    super(`There is no invoice ${number}.`);
  }
}

export class InvoiceClosedError extends UserError {
  override name = 'InvoiceClosedError';
  constructor(
    readonly number: string,
    readonly status: 'paid' | 'written_off',
  ) {
    super(`${number} is ${status === 'paid' ? 'paid' : 'written off'}: nothing is outstanding on it.`);
  }
}

export class AboveOutstandingError extends UserError {
  override name = 'AboveOutstandingError';
  constructor(
    readonly number: string,
    readonly outstandingCents: bigint,
  ) {
    super(`That is more than is outstanding on ${number}; nothing was recorded.`);
  }
}

/** The request id was used before for something else: a replay must repeat the first request exactly. */
export class RequestConflictError extends UserError {
  override name = 'RequestConflictError';
  constructor() {
    super('This request was already used for a different payment or write-off; nothing was recorded.');
  }
}

/** The answer to an offline payment or a write-off, the same when the request is replayed. */
export interface FinanceResult extends SettledInvoice {
  accountId: number;
  status: InvoiceStatus;
  replayed: boolean;
}

interface LockedInvoice {
  id: number;
  number: string;
  accountId: number;
  outstandingCents: bigint;
  status: InvoiceStatus;
}

/**
 * Records a bank transfer finance received against one invoice (SPEC §14): `offline_payments` → receivable, no more
 * than is outstanding, not on a paid or written-off invoice. Idempotent on the request id (Slack's trigger id): a
 * replay records nothing and answers as the first time; the same id with other values is refused.
 */
export async function payInvoiceOffline(
  db: Db,
  input: CollectionsContext & {
    number: string;
    amountCents: bigint;
    reference: string;
    actor: string;
    requestId: string;
  },
): Promise<FinanceResult> {
  const number = invoiceNumberOf(input.number);
  const reference = parsed(paymentReferenceSchema, input.reference);
  if (input.amountCents <= 0n) throw new UserError('An offline payment is a positive amount.');
  const memo = offlinePaymentMemo(number, reference);
  const key = `offline:${requestKey(input.requestId)}`;
  return onInvoice(db, {
    number,
    key,
    sameRequest: (prior) => prior.amountCents === input.amountCents && prior.memo === memo,
    act: (tx, invoice) => {
      if (input.amountCents > invoice.outstandingCents) {
        throw new AboveOutstandingError(number, invoice.outstandingCents);
      }
      return settleFromSystem(tx, invoice, {
        key,
        from: { system: 'offline_payments' },
        amountCents: input.amountCents,
        memo,
        actor: input.actor,
        context: input,
      });
    },
  });
}

/**
 * Writes off what is outstanding on an invoice (SPEC §14): `bad_debt` → receivable for the outstanding amount, the
 * invoice marked `written_off` with who and why. Idempotent on the request id like `payInvoiceOffline`.
 */
export async function writeOffInvoice(
  db: Db,
  input: CollectionsContext & { number: string; reason: string; actor: string; requestId: string },
): Promise<FinanceResult> {
  const number = invoiceNumberOf(input.number);
  const reason = parsed(writeOffReasonSchema, input.reason);
  const memo = `Write-off of ${number}: ${reason}`;
  const key = `write-off:${requestKey(input.requestId)}`;
  return onInvoice(db, {
    number,
    key,
    sameRequest: (prior) => prior.memo === memo,
    act: (tx, invoice) =>
      settleFromSystem(tx, invoice, {
        key,
        from: { system: 'bad_debt' },
        amountCents: invoice.outstandingCents,
        memo,
        actor: input.actor,
        context: input,
        writeOff: { by: input.actor, at: input.now, reason },
      }),
  });
}

/** The memo of an offline payment's transfer: it is where the payment's reference is kept. */
function offlinePaymentMemo(number: string, reference: string): string {
  return `Offline payment for ${number}${reference ? `: ${reference}` : ''}`;
}

/** The reference an offline payment's memo carries (null when finance gave none). */
export function offlinePaymentReference(memo: string, number: string): string | null {
  const prefix = offlinePaymentMemo(number, '');
  return memo.startsWith(`${prefix}: `) ? memo.slice(prefix.length + 2) : null;
}

type PriorRequest = { amountCents: bigint; memo: string; result: FinanceResult };

/**
 * What finance does to one invoice, once per request: the invoice is locked, then a request already posted under
 * `key` answers as it did the first time (or is refused if it asked for something else), a paid or written-off
 * invoice is refused, and only then does `act` post, under `key`.
 */
async function onInvoice(
  db: Db,
  input: {
    number: string;
    key: string;
    sameRequest: (prior: PriorRequest) => boolean;
    act: (tx: Db, invoice: LockedInvoice) => Promise<FinanceResult>;
  },
): Promise<FinanceResult> {
  return db.transaction(async (tx) => {
    const invoice = await lockInvoice(tx, input.number);
    const prior = await priorResult(tx, input.key, invoice);
    if (prior) {
      if (!input.sameRequest(prior)) throw new RequestConflictError();
      return prior.result;
    }
    if (invoice.status !== 'due') throw new InvoiceClosedError(invoice.number, invoice.status);
    return input.act(tx, invoice);
  });
}

function invoiceNumberOf(text: string): string {
  const result = parseInvoiceNumber(text);
  if (!result.ok) throw new UserError(result.error);
  return result.number;
}

function parsed(schema: z.ZodType<string, string>, text: string): string {
  const result = schema.safeParse(text);
  if (!result.success) throw new UserError(result.error.issues[0]?.message ?? 'That text is not accepted.');
  return result.data;
}

const MAX_REQUEST_ID = 150;

function requestKey(requestId: string): string {
  if (requestId.length === 0 || requestId.length > MAX_REQUEST_ID || /[\p{C}\s]/u.test(requestId)) {
    throw new UserError('This request carries no usable id; nothing was recorded.');
  }
  return requestId;
}

/** The invoice by number, row-locked for the rest of the transaction (payments on it wait for one another). */
async function lockInvoice(db: Db, number: string): Promise<LockedInvoice> {
  const [row] = await queryRows<{
    id: unknown;
    account_id: unknown;
    outstanding_cents: unknown;
    status: InvoiceStatus;
  }>(
    db,
    sql`select id, account_id, outstanding_cents, status from invoices where number = ${number} for update`,
  );
  if (!row) throw new NoInvoiceError(number);
  return {
    id: Number(row.id),
    number,
    accountId: Number(row.account_id),
    outstandingCents: toBigInt(row.outstanding_cents),
    status: row.status,
  };
}

/**
 * The request posted before under `key`, read after the invoice's lock so a concurrent twin is seen: its result as
 * it was then, or a conflict when it named another invoice.
 */
async function priorResult(db: Db, key: string, invoice: LockedInvoice): Promise<PriorRequest | undefined> {
  const [row] = await queryRows<{
    invoice_id: unknown;
    amount: unknown;
    memo: string;
    left_after: unknown;
    status: InvoiceStatus;
    from_kind: string;
  }>(
    db,
    sql`select s.invoice_id, t.amount, t.memo, ${outstandingAfter(sql`t.id`)} as left_after, i.status,
               f.kind as from_kind
        from transfers t
        left join invoice_settlements s on s.transfer_id = t.id
        left join invoices i on i.id = s.invoice_id
        join ledger_accounts f on f.id = t.from_ledger_id
        where t.idempotency_key = ${key}`,
  );
  if (!row) return undefined;
  if (Number(row.invoice_id) !== invoice.id) throw new RequestConflictError();
  const outstandingCents = toBigInt(row.left_after);
  return {
    amountCents: toBigInt(row.amount),
    memo: row.memo,
    result: {
      invoiceId: invoice.id,
      number: invoice.number,
      accountId: invoice.accountId,
      amountCents: toBigInt(row.amount),
      outstandingCents,
      status: row.from_kind === 'bad_debt' ? 'written_off' : invoiceStatus(outstandingCents, false),
      replayed: true,
    },
  };
}

async function settleFromSystem(
  tx: Db,
  invoice: LockedInvoice,
  input: {
    key: string;
    from: LedgerRef;
    amountCents: bigint;
    memo: string;
    actor: string;
    context: CollectionsContext;
    writeOff?: WriteOffNote;
  },
): Promise<FinanceResult> {
  const { transfer } = await postTransfer(tx, {
    key: input.key,
    from: input.from,
    to: { receivable: invoice.accountId },
    amount: input.amountCents,
    actor: input.actor,
    memo: input.memo,
    at: input.context.now,
  });
  const settled: SettledInvoice = {
    invoiceId: invoice.id,
    number: invoice.number,
    amountCents: input.amountCents,
    outstandingCents: invoice.outstandingCents - input.amountCents,
  };
  await linkSettlements(tx, [{ invoiceId: invoice.id, transferId: transfer.id }]);
  await applySettlements(tx, [settled], input.writeOff);
  await restoreIfCleared(tx, invoice.accountId, input.context);
  return {
    ...settled,
    accountId: invoice.accountId,
    status: invoiceStatus(settled.outstandingCents, input.writeOff !== undefined),
    replayed: false,
  };
}

export type AgingAmounts = Record<AgingBucket, bigint>;

export interface ReceivableAccount {
  accountId: number;
  accountName: string;
  /** Invoices with something outstanding. */
  invoices: number;
  outstandingCents: bigint;
  aging: AgingAmounts;
  /** The earliest due date among them ('YYYY-MM-DD'). */
  oldestDueDate: string;
  suspendedSince: Date | null;
}

export interface ReceivablesReport {
  /** The local date the amounts are aged on. */
  asOf: string;
  /** Largest outstanding first. */
  accounts: ReceivableAccount[];
  totals: { accounts: number; invoices: number; outstandingCents: bigint; aging: AgingAmounts };
}

/**
 * Who owes what (SPEC §14), in one set-based query: every account with something outstanding, its amounts by how
 * far past due they are (not yet due, 1–30, 31–60, 61–90, over 90 days), and the totals.
 */
export async function receivablesReport(
  db: Db,
  input: { now: Date; timeZone: string },
): Promise<ReceivablesReport> {
  const today = localDate(input.now, input.timeZone);
  const columns = AGING_BUCKETS.map(
    (b) => sql`coalesce(sum(o.outstanding_cents) filter (where o.bucket = ${b}), 0) as ${sql.raw(b)}`,
  );
  const rows = await queryRows<Record<AgingBucket, unknown> & Record<string, unknown>>(
    db,
    sql`with open as (
          select i.account_id, i.outstanding_cents, i.due_date,
                 ${agingBucket(daysPastDue(sql`i.due_date`, today))} as bucket
          from invoices i where i.outstanding_cents > 0
        )
        select a.id, a.name, a.suspended_since, count(*) as invoices, sum(o.outstanding_cents) as outstanding,
               min(o.due_date)::text as oldest_due, ${sql.join(columns, sql`, `)}
        from open o join accounts a on a.id = o.account_id
        group by a.id
        order by sum(o.outstanding_cents) desc, lower(a.name), a.id`,
  );
  const accounts: ReceivableAccount[] = rows.map((r) => ({
    accountId: Number(r.id),
    accountName: String(r.name),
    invoices: Number(r.invoices),
    outstandingCents: toBigInt(r.outstanding),
    aging: Object.fromEntries(AGING_BUCKETS.map((b) => [b, toBigInt(r[b])])) as AgingAmounts,
    oldestDueDate: String(r.oldest_due),
    suspendedSince: r.suspended_since === null ? null : new Date(r.suspended_since as string),
  }));
  const aging = Object.fromEntries(
    AGING_BUCKETS.map((b) => [b, accounts.reduce((t, a) => t + a.aging[b], 0n)]),
  ) as AgingAmounts;
  return {
    asOf: today,
    accounts,
    totals: {
      accounts: accounts.length,
      invoices: accounts.reduce((t, a) => t + a.invoices, 0),
      outstandingCents: accounts.reduce((t, a) => t + a.outstandingCents, 0n),
      aging,
    },
  };
}
