import { sql } from 'drizzle-orm';
import { type Db, jsonColumn, preparedRead, rowFromJson, toBigInt } from '../db/client.js';
import { autoReloadSettings, type ReadingSource, savedCards } from '../db/schema.js';
import { monthOf, monthStart } from '../domain/billing-month.js';
import { monthlyCost } from '../domain/pricing.js';
import { type LowBalanceState, lowBalanceState, type Runway, runway } from '../domain/runway.js';
import type { Account, Plan } from './accounts.js';
import type { AutoReloadState } from './autoreload-state.js';
import { type DeviceSource, sourceOf } from './connectors.js';
import { DIRECTORY_VERSION } from './directory.js';
import { billedDevices, packCovers, readingInEffect } from './sql/billing-rules.js';

/** What `status`, the Home tab and estimates show of one account (SPEC §4 status, §9). */
export interface AccountSummary {
  account: Account;
  plan: Plan;
  balanceCents: bigint;
  /** The device count in effect now; null before the first reading. */
  devices: number | null;
  /** Devices covered by active license packs this month (not charged to the balance). */
  coveredDevices: number;
  /** The license packs active this month, soonest to end first. */
  packs: Array<{ devices: number; endMonth: string }>;
  monthlyCents: bigint;
  runway: Runway;
  state: LowBalanceState;
  /** The bill of the month in progress, from the highest count in effect so far. */
  nextBill: { month: string; billedDevices: number; amountCents: bigint };
  /** Auto-reload and the card on file (SPEC §15). */
  autoReload: AutoReloadState;
}

/** What `status` and the Home tab show of one account beside its summary. */
export interface AccountOverview {
  summary: AccountSummary;
  /** Where the count in effect comes from, and how the account's Jamf Pro sync is doing. */
  source: DeviceSource;
  /** The invoices with something outstanding, oldest month first. */
  openInvoices: OpenInvoice[];
  /** The directory version the statement saw: it confirms a request context served from the cache. */
  directoryVersion: bigint;
}

export interface OpenInvoice {
  number: string;
  month: string;
  outstandingCents: bigint;
  dueDate: string;
}

/** The summary alone (estimates, collections): the overview's statement, whose extra parts cost little. */
export async function accountSummary(
  db: Db,
  account: Account,
  now: Date,
  timeZone: string,
): Promise<AccountSummary> {
  return (await accountOverview(db, account, now, timeZone)).summary;
}

/**
 * One round trip, one statement built once and prepared (with the directory version, which confirms the request's
 * cached context) (status, estimates and the Home tab all start here, the
 * first two inside Slack's 3-second ack): the wallet, the plan, the reading in effect now, this month's highest
 * count (the reading carried in from before the month included), the license packs covering the month, auto-reload
 * and the card, the Jamf Pro connection and the open invoices.
 */
export async function accountOverview(
  db: Db,
  account: Account,
  now: Date,
  timeZone: string,
): Promise<AccountOverview> {
  const month = monthOf(now, timeZone);
  const [row] = await overviewStatement(db, {
    accountId: account.id,
    planCode: account.planCode,
    now: now.toISOString(),
    start: monthStart(month, timeZone).toISOString(),
    month,
  });
  if (!row) throw new Error(`account ${account.id} has no wallet or plan`);
  const [
    balance,
    code,
    name,
    priceCents,
    createdAt,
    readingJson,
    monthMax,
    packsJson,
    settings,
    card,
    chargesThisMonth,
    declinedJson,
    jamfJson,
    openInvoicesJson,
    directoryVersion,
  ] = row;
  const plan: Plan = { code, name, priceCents: toBigInt(priceCents), createdAt: new Date(createdAt) };
  const balanceCents = toBigInt(balance);
  const packs = jsonColumn(packsJson) as AccountSummary['packs'];
  const coveredDevices = packs.reduce((sum, pack) => sum + pack.devices, 0);
  const reading = jsonColumn(readingJson) as ReadingRow | null;
  const devices = reading === null ? null : Number(reading.count);
  const billedSoFar = Number(monthMax);
  const monthlyCents = monthlyCost(devices ?? 0, coveredDevices, plan.priceCents);
  const declined = jsonColumn(declinedJson) as { resolved_at: string; decline_reason: string | null } | null;
  const summary: AccountSummary = {
    account,
    plan,
    balanceCents,
    devices,
    coveredDevices,
    packs,
    monthlyCents,
    runway: runway(balanceCents, monthlyCents, now, timeZone),
    state: lowBalanceState(balanceCents, monthlyCents, account.alertThresholdTenths),
    nextBill: {
      month,
      billedDevices: billedSoFar,
      amountCents: monthlyCost(billedSoFar, coveredDevices, plan.priceCents),
    },
    autoReload: {
      settings: rowFromJson(autoReloadSettings, settings),
      card: rowFromJson(savedCards, card),
      thisMonth: Number(toBigInt(chargesThisMonth)),
      lastDecline: declined
        ? { at: new Date(declined.resolved_at), reason: declined.decline_reason ?? 'declined' }
        : undefined,
    },
  };
  const jamf = jsonColumn(jamfJson) as JamfRow | null;
  const source = sourceOf(
    reading && {
      count: Number(reading.count),
      source: reading.source,
      recordedBy: reading.recorded_by,
      effectiveAt: new Date(reading.effective_at),
    },
    jamf && {
      url: jamf.url,
      lastSyncAt: dateOrNull(jamf.last_sync_at),
      consecutiveFailures: Number(jamf.consecutive_failures),
      failingSince: dateOrNull(jamf.failing_since),
      lastError: jamf.last_error,
    },
  );
  const openInvoices = (jsonColumn(openInvoicesJson) as OpenInvoiceRow[]).map((i) => ({
    number: i.number,
    month: i.month,
    outstandingCents: toBigInt(i.outstanding_cents),
    dueDate: i.due_date,
  }));
  return { summary, source, openInvoices, directoryVersion: toBigInt(directoryVersion) };
}

const p = {
  id: sql`${sql.placeholder('accountId')}::int8`,
  plan: sql.placeholder('planCode'),
  now: sql.placeholder('now'),
  start: sql.placeholder('start'),
  month: sql.placeholder('month'),
};

const overviewStatement = preparedRead<
  OverviewRow,
  { accountId: number; planCode: string; now: string; start: string; month: string }
>(
  sql`select w.balance, p.code, p.name, p.price_cents, p.created_at,
        (select row_to_json(x) from (${readingInEffect(sql`r.count, r.source, r.recorded_by, r.effective_at`, p.id, p.now)}) x)
          as reading,
        ${billedDevices(p.id, { start: p.start, end: p.now, endIncluded: true })} as month_max,
        (select coalesce(json_agg(json_build_object('devices', lp.devices, 'endMonth', lp.end_month)
                                  order by lp.end_month, lp.id), '[]'::json)
         from license_packs lp where lp.account_id = ${p.id} and ${packCovers('lp', p.month)}) as packs,
        (select row_to_json(s) from auto_reload_settings s where s.account_id = ${p.id}) as settings,
        (select row_to_json(c) from saved_cards c where c.account_id = ${p.id}) as card,
        (select count(*) from auto_reload_charges c where c.account_id = ${p.id}
           and c.billing_month = ${p.month} and c.state in ('pending', 'succeeded')) as charges_this_month,
        (select row_to_json(d) from (select c.resolved_at, c.decline_reason from auto_reload_charges c
           where c.account_id = ${p.id} and c.state = 'declined' and c.resolved_at is not null
           order by c.id desc limit 1) d) as declined,
        (select row_to_json(j) from (select j.url, j.last_sync_at, j.consecutive_failures, j.failing_since, j.last_error
           from jamf_connectors j where j.account_id = ${p.id}) j) as jamf,
        (select coalesce(json_agg(json_build_object('number', i.number, 'month', i.month,
                   'outstanding_cents', i.outstanding_cents::text, 'due_date', i.due_date) order by i.month), '[]'::json)
         from invoices i where i.account_id = ${p.id} and i.outstanding_cents > 0) as open_invoices,
        ${DIRECTORY_VERSION} as directory_version
      from ledger_accounts w join plans p on p.code = ${p.plan}
      where w.account_id = ${p.id} and w.kind = 'wallet'`,
);

function dateOrNull(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}

/** The overview statement's columns, in its select-list order. */
type OverviewRow = [
  balance: unknown,
  code: string,
  name: string,
  priceCents: unknown,
  createdAt: string | Date,
  reading: unknown,
  monthMax: unknown,
  packs: unknown,
  settings: unknown,
  card: unknown,
  chargesThisMonth: unknown,
  declined: unknown,
  jamf: unknown,
  openInvoices: unknown,
  directoryVersion: unknown,
];

interface ReadingRow {
  count: number;
  source: ReadingSource;
  recorded_by: string;
  effective_at: string;
}

interface JamfRow {
  url: string;
  last_sync_at: string | null;
  consecutive_failures: number;
  failing_since: string | null;
  last_error: string | null;
}

interface OpenInvoiceRow {
  number: string;
  month: string;
  outstanding_cents: string;
  due_date: string;
}
