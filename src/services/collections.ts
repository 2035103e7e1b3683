import { type SQL, sql } from 'drizzle-orm';
import { at, type Db, queryRows, toBigInt } from '../db/client.js';
import { localDate } from '../domain/billing-month.js';
import { runwayMonths } from '../domain/runway.js';
import { receivableBalance } from '../ledger/ledger.js';
import type { Account } from './accounts.js';
import { enqueue, type OutboxItem } from './outbox.js';
import { financeChannelOf } from './settings.js';
import { invoiceState, reminderDay } from './sql/billing-rules.js';
import { accountSummary } from './summary.js';

/** When collections act and who hears of it: the clock, the billing time zone, the finance channel if known. */
export interface CollectionsContext {
  now: Date;
  timeZone: string;
  /** Where finance hears of suspensions and restorations; the `finance_channel` setting wins over it. */
  financeChannel?: string;
}

export interface ReminderSent {
  invoiceId: number;
  accountId: number;
  /** Days after issue: one of DUNNING_REMINDER_DAYS. */
  day: number;
}

/**
 * The daily payment reminders (SPEC §14), set-based: every invoice still outstanding that has reached one of
 * `reminderDays` after its issue date gets the latest day reached, once (a row per invoice and day, unique), with a
 * message to its account's billing channel in the same transaction. An account without a billing channel is not
 * reminded (there is nowhere to say it) until it has one.
 */
export async function sendReminders(
  db: Db,
  input: { now: Date; timeZone: string; reminderDays: readonly number[] },
): Promise<ReminderSent[]> {
  if (input.reminderDays.length === 0) return [];
  const today = localDate(input.now, input.timeZone);
  return db.transaction(async (tx) => {
    const rows = await queryRows<{
      invoice_id: unknown;
      account_id: unknown;
      day: number;
      channel: string;
      outstanding_cents: unknown;
      due_date: string;
    }>(
      tx,
      sql`with reached as (
            select i.id, i.account_id, a.billing_channel_id as channel, i.outstanding_cents, i.due_date,
                   ${reminderDay(sql`(${today}::date - i.issue_date)`, input.reminderDays)} as day
            from invoices i join accounts a on a.id = i.account_id
            where i.outstanding_cents > 0 and a.billing_channel_id is not null
          ), fresh as (
            insert into invoice_reminders (invoice_id, day, sent_at)
            select id, day, ${at(input.now)} from reached where day is not null
            on conflict (invoice_id, day) do nothing
            returning invoice_id, day
          )
          select f.invoice_id, r.account_id, f.day, r.channel, r.outstanding_cents, r.due_date::text as due_date
          from fresh f join reached r on r.id = f.invoice_id
          order by f.invoice_id`,
    );
    const messages: OutboxItem[] = rows.map((r) => ({
      dedupeKey: `reminder:${r.invoice_id}:${r.day}`,
      channelId: r.channel,
      event: {
        type: 'invoice_reminder',
        invoiceId: Number(r.invoice_id),
        day: Number(r.day),
        outstandingCents: toBigInt(r.outstanding_cents).toString(),
        dueDate: r.due_date,
        today,
      },
    }));
    await enqueue(tx, messages, input.now);
    return rows.map((r) => ({
      invoiceId: Number(r.invoice_id),
      accountId: Number(r.account_id),
      day: r.day,
    }));
  });
}

export interface SuspensionChange {
  accountId: number;
  change: 'suspended' | 'restored';
  /** When the suspension began (the one that just ended, for a restoration). */
  since: Date;
  /** What is overdue now (zero on a restoration). */
  overdueCents: bigint;
}

/**
 * Suspends every account (or the given ones) with an invoice past its due date, and restores every suspended one with
 * none (SPEC §14), telling its billing channel and the finance channel once each.
 *
 * Set-based in two statements: the first finds the accounts whose state must change and locks their receivables,
 * in account order — the row every settlement, offline payment, write-off and invoice run changes for that account,
 * so an in-flight payment is waited for; the second decides again on what is then committed and updates. Nothing can
 * settle an account between the decision and the update, and the account order keeps clear of deadlocks with the
 * invoice run (which locks wallets and receivables in account order too).
 */
export async function reviewSuspensions(
  db: Db,
  input: CollectionsContext & { accountIds?: number[] },
): Promise<SuspensionChange[]> {
  if (input.accountIds?.length === 0) return [];
  return db.transaction((tx) => review(tx, { ...input, restoreOnly: false }));
}

/**
 * Restores the account if it is suspended and nothing is overdue any more: right after a payment, so the device
 * service sees it active at once. Suspending stays the daily job's (a payment never suspends).
 */
export async function restoreIfCleared(
  db: Db,
  accountId: number,
  context: CollectionsContext,
): Promise<boolean> {
  const changes = await db.transaction((tx) =>
    review(tx, { ...context, accountIds: [accountId], restoreOnly: true }),
  );
  return changes.length > 0;
}

async function review(
  db: Db,
  input: CollectionsContext & { accountIds?: number[]; restoreOnly: boolean },
): Promise<SuspensionChange[]> {
  const today = localDate(input.now, input.timeZone);
  const within = (ids: number[] | undefined, column: SQL) =>
    ids
      ? sql`and ${column} in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint)`
      : sql``;
  const restore = sql`(a.suspended_since is not null and o.cents is null)`;
  const change = input.restoreOnly
    ? restore
    : sql`((a.suspended_since is null and o.cents is not null) or ${restore})`;
  const changing = (ids: number[] | undefined) => sql`
    with overdue as (
      select i.account_id, sum(i.outstanding_cents) as cents from invoices i
      where i.outstanding_cents > 0 and ${invoiceState(sql`i.status`, sql`i.due_date`, today)} = 'overdue'
        ${within(ids, sql`i.account_id`)}
      group by i.account_id
    )
    select a.id, a.billing_channel_id, a.suspended_since, o.cents as overdue_cents
    from accounts a left join overdue o on o.account_id = a.id
    where ${change} ${within(ids, sql`a.id`)}`;
  const candidates = await queryRows<{ account_id: unknown }>(
    db,
    sql`select r.account_id from ledger_accounts r
        where r.kind = 'receivable' and r.account_id in (select id from (${changing(input.accountIds)}) c)
        order by r.account_id for update of r`,
  );
  if (candidates.length === 0) return [];
  const locked = candidates.map((c) => Number(c.account_id));
  const rows = await queryRows<{
    id: unknown;
    billing_channel_id: string | null;
    since_before: Date | string | null;
    overdue_cents: unknown;
  }>(
    db,
    sql`with changes as (${changing(locked)})
        update accounts a set suspended_since = case when c.overdue_cents is null then null else ${at(input.now)} end
        from changes c where a.id = c.id
        returning a.id, a.billing_channel_id, c.suspended_since as since_before, c.overdue_cents`,
  );
  const changes = rows.map((r) => ({
    accountId: Number(r.id),
    change: r.overdue_cents === null ? ('restored' as const) : ('suspended' as const),
    since: r.since_before === null ? input.now : new Date(r.since_before),
    overdueCents: toBigInt(r.overdue_cents),
    billingChannel: r.billing_channel_id,
  }));
  await enqueue(db, await suspensionMessages(db, changes, input), input.now);
  return changes.map(({ billingChannel: _, ...change }) => change);
}

async function suspensionMessages(
  db: Db,
  changes: Array<SuspensionChange & { billingChannel: string | null }>,
  input: CollectionsContext,
): Promise<OutboxItem[]> {
  const finance = await financeChannelOf(db, input.financeChannel);
  return changes.flatMap((c) => {
    const event =
      c.change === 'suspended'
        ? ({
            type: 'account_suspended',
            accountId: c.accountId,
            since: c.since.toISOString(),
            overdueCents: c.overdueCents.toString(),
          } as const)
        : ({
            type: 'account_restored',
            accountId: c.accountId,
            since: c.since.toISOString(),
            at: input.now.toISOString(),
          } as const);
    const key = `${c.change}:${c.accountId}:${c.since.toISOString()}`;
    const billing = c.billingChannel;
    return [
      ...(billing ? [{ dedupeKey: `${key}:billing`, channelId: billing, event }] : []),
      ...(finance ? [{ dedupeKey: `${key}:finance`, channelId: finance, event }] : []),
    ];
  });
}

/** What `GET /api/accounts/<name>` answers (SPEC §14), as plain data: amounts in cents, the route formats them. */
export interface AccountState {
  account: string;
  plan: string;
  currency: string;
  balance: bigint;
  devices: number | null;
  monthly_cost: bigint;
  /** Whole and tenths of months the balance lasts ("6.2"); null when nothing is charged. */
  runway_months: string | null;
  outstanding: bigint;
  state: 'active' | 'suspended';
  suspended_since: Date | null;
}

export async function accountState(
  db: Db,
  account: Account,
  input: { now: Date; timeZone: string; currency: string },
): Promise<AccountState> {
  const summary = await accountSummary(db, account, input.now, input.timeZone);
  const receivable = await receivableBalance(db, account.id);
  return {
    account: account.name,
    plan: summary.plan.code,
    currency: input.currency,
    balance: summary.balanceCents,
    devices: summary.devices,
    monthly_cost: summary.monthlyCents,
    runway_months: summary.runway.kind === 'unlimited' ? null : runwayMonths(summary.runway.tenths),
    outstanding: -receivable,
    state: account.suspendedSince ? 'suspended' : 'active',
    suspended_since: account.suspendedSince,
  };
}
