// The billing rules of the domain (src/domain/devices.ts, pricing.ts, runway.ts, receivables.ts) as SQL fragments, for the
// set-based queries that must apply them to many accounts at once: the account summary, the invoice run and the
// balance check all build on these and on nothing else. test/services/billing-rules.property.test.ts holds each
// fragment to its TypeScript rule on random data; change one, change both.

import { type Placeholder, type SQL, sql } from 'drizzle-orm';
import { at } from '../../db/client.js';

/** An instant, or a placeholder for one in a statement built once (`preparedQuery`). */
type Instant = Date | Placeholder;

/** The reading in effect at `instant` (as `r`, the `select` list before it): the latest at or before it. */
export function readingInEffect(columns: SQL, accountId: SQL, instant: Instant): SQL {
  return sql`select ${columns} from device_readings r where r.account_id = ${accountId}
             and r.effective_at <= ${at(instant)} order by r.effective_at desc, r.id desc limit 1`;
}

/** The count in effect at `instant`: the latest reading at or before it (null before the first). */
export function deviceCountAt(accountId: SQL, instant: Instant): SQL {
  return sql`(${readingInEffect(sql`r.count`, accountId, instant)})`;
}

/**
 * `billedDeviceCount`: the highest count in effect at any time from `start` to `end` — the reading carried in from
 * before `start` and every reading in the window (`end` excluded for a whole month; included for the month so far,
 * so a reading taken at this very instant counts). Zero before any reading.
 */
export function billedDevices(
  accountId: SQL,
  window: { start: Instant; end: Instant; endIncluded: boolean },
): SQL {
  const beforeEnd = window.endIncluded
    ? sql`r.effective_at <= ${at(window.end)}`
    : sql`r.effective_at < ${at(window.end)}`;
  return sql`greatest(
      coalesce((select r.count from device_readings r where r.account_id = ${accountId}
                and r.effective_at < ${at(window.start)} order by r.effective_at desc, r.id desc limit 1), 0),
      coalesce((select max(r.count) from device_readings r where r.account_id = ${accountId}
                and r.effective_at >= ${at(window.start)} and ${beforeEnd}), 0))`;
}

/** `packCovers`: the condition on a `license_packs` row (under `alias`) of being active in `month`. */
export function packCovers(alias: string, month: string | Placeholder): SQL {
  const pack = sql.raw(alias);
  return sql`${pack}.start_month <= ${month} and ${pack}.end_month >= ${month}`;
}

/** `coveredDeviceCount`: devices covered in `month` by the account's active license packs. */
export function coveredDevices(accountId: SQL, month: string): SQL {
  return sql`coalesce((select sum(lp.devices) from license_packs lp
                       where lp.account_id = ${accountId} and ${packCovers('lp', month)}), 0)`;
}

/** `monthlyCost`: (devices − covered, never below zero) × unit price. */
export function monthlyCost(devices: SQL, covered: SQL, unitPriceCents: SQL): SQL {
  return sql`(greatest(coalesce(${devices}, 0) - ${covered}, 0) * ${unitPriceCents})`;
}

/**
 * `chargeFor`: what a month costs and how it is paid, as a one-row subquery to join laterally, with the columns
 * billable, charge, paid (what the balance pays: never more than it holds) and due (the rest), and status.
 */
export function monthCharge(billed: SQL, covered: SQL, unitPriceCents: SQL, balanceCents: SQL): SQL {
  return sql`(select x.billable, x.charge, x.paid, x.charge - x.paid as due,
                     case when x.charge = x.paid then 'paid' else 'due' end as status
              from (select greatest(${billed} - ${covered}, 0) as billable,
                           ${monthlyCost(billed, covered, unitPriceCents)} as charge,
                           least(${monthlyCost(billed, covered, unitPriceCents)}, ${balanceCents}) as paid) x)`;
}

/** `formatInvoiceNumber`: `INV-YYYY-NNNNN`, the number padded to five digits or more. */
export function invoiceNumber(year: string, n: SQL): SQL {
  return sql`('INV-' || ${year}::text || '-' || lpad((${n})::text, greatest(5, length((${n})::text)), '0'))`;
}

/** `lowBalanceState`: 'ok' | 'low' | 'empty' (runway below the threshold in tenths, in exact integer form). */
export function lowBalanceState(balanceCents: SQL, monthlyCents: SQL, thresholdTenths: SQL): SQL {
  return sql`(case when ${monthlyCents} <= 0 then 'ok'
                   when ${balanceCents} <= 0 then 'empty'
                   when ${balanceCents} * 10 < ${monthlyCents} * ${thresholdTenths} then 'low'
                   else 'ok' end)`;
}

// Collections (src/domain/receivables.ts).

/**
 * `outstanding`: an invoice's amount due less every transfer that settled it (later credit, offline payments, a
 * write-off), summed from the ledger — what the invoice's cached `outstanding_cents` must equal.
 */
export function outstandingFromLedger(invoice: string): SQL {
  const i = sql.raw(invoice);
  return sql`(${i}.amount_due_cents - coalesce((select sum(st.amount) from invoice_settlements s
              join transfers st on st.id = s.transfer_id where s.invoice_id = ${i}.id), 0))`;
}

/** `invoiceState`: the stored status, `due` turning `overdue` after the due date (`today` a 'YYYY-MM-DD'). */
export function invoiceState(status: SQL, dueDate: SQL, today: string): SQL {
  return sql`(case when ${status} = 'due' and ${dueDate} < ${today}::date then 'overdue' else ${status} end)`;
}

/** `daysPastDue`: whole days from the due date to `today` (zero or less: not yet due). */
export function daysPastDue(dueDate: SQL, today: string): SQL {
  return sql`(${today}::date - ${dueDate})`;
}

/** `agingBucket` of an amount `days` past due. */
export function agingBucket(days: SQL): SQL {
  return sql`(case when ${days} <= 0 then 'not_yet_due' when ${days} <= 30 then 'days_1_30'
                   when ${days} <= 60 then 'days_31_60' when ${days} <= 90 then 'days_61_90' else 'over_90' end)`;
}

/** `reminderDay`: the latest of `reminderDays` reached `daysSinceIssue` days after issue, or null. */
export function reminderDay(daysSinceIssue: SQL, reminderDays: readonly number[]): SQL {
  return sql`(select max(r.value::integer) from jsonb_array_elements_text(${JSON.stringify(reminderDays)}::jsonb) r
              where r.value::integer <= ${daysSinceIssue})`;
}

/** `compareForSettlement`: the ORDER BY of an account's open invoices (under `alias`), oldest month first. */
export function settlementOrder(alias: string): SQL {
  const i = sql.raw(alias);
  return sql`${i}.month, ${i}.id`;
}
