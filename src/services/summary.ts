import { sql } from 'drizzle-orm';
import { type Db, queryRows, toBigInt } from '../db/client.js';
import { monthOf, monthStart } from '../domain/billing-month.js';
import { monthlyCost } from '../domain/pricing.js';
import { type LowBalanceState, lowBalanceState, type Runway, runway } from '../domain/runway.js';
import type { Account, Plan } from './accounts.js';
import { type AutoReloadState, autoReloadState } from './autoreload-state.js';
import { billedDevices, deviceCountAt, packCovers } from './sql/billing-rules.js';

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

/**
 * One round trip (status, estimates and the Home tab all start here, the first two inside Slack's 3-second ack):
 * the wallet, the plan, the reading in effect now, this month's highest count (the reading carried in from before
 * the month included) and the license packs covering the month.
 */
export async function accountSummary(
  db: Db,
  account: Account,
  now: Date,
  timeZone: string,
): Promise<AccountSummary> {
  const month = monthOf(now, timeZone);
  const start = monthStart(month, timeZone);
  const id = sql`${account.id}`;
  const [[row], autoReload] = await Promise.all([
    queryRows<SummaryRow>(
      db,
      sql`select w.balance, p.code, p.name, p.price_cents, p.created_at,
          ${deviceCountAt(id, now)} as current,
          ${billedDevices(id, { start, end: now, endIncluded: true })} as month_max,
          (select coalesce(json_agg(json_build_object('devices', lp.devices, 'endMonth', lp.end_month)
                                    order by lp.end_month, lp.id), '[]'::json)
           from license_packs lp where lp.account_id = ${account.id} and ${packCovers('lp', month)}) as packs
        from ledger_accounts w join plans p on p.code = ${account.planCode}
        where w.account_id = ${account.id} and w.kind = 'wallet'`,
    ),
    autoReloadState(db, account.id, { now, timeZone }),
  ]);
  if (!row) throw new Error(`account ${account.id} has no wallet or plan`);
  const plan: Plan = {
    code: row.code,
    name: row.name,
    priceCents: toBigInt(row.price_cents),
    createdAt: new Date(row.created_at),
  };
  const balanceCents = toBigInt(row.balance);
  const packs = (
    typeof row.packs === 'string' ? JSON.parse(row.packs) : row.packs
  ) as AccountSummary['packs'];
  const coveredDevices = packs.reduce((sum, pack) => sum + pack.devices, 0);
  const devices = row.current === null ? null : Number(row.current);
  const billedSoFar = Number(row.month_max);
  const monthlyCents = monthlyCost(devices ?? 0, coveredDevices, plan.priceCents);
  return {
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
    autoReload,
  };
}

interface SummaryRow {
  balance: unknown;
  code: string;
  name: string;
  price_cents: unknown;
  created_at: string | Date;
  current: unknown;
  month_max: unknown;
  packs: unknown;
}
