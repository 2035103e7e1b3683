import type { Db } from '../db/client.js';
import { monthOf } from '../domain/billing-month.js';
import { monthlyCost } from '../domain/pricing.js';
import { type LowBalanceState, lowBalanceState, type Runway, runway } from '../domain/runway.js';
import { walletBalance } from '../ledger/ledger.js';
import { type Account, type Plan, requirePlan } from './accounts.js';
import { activePacks } from './codes.js';
import { readingAt, readingsOfMonth } from './devices.js';

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
}

export async function accountSummary(
  db: Db,
  account: Account,
  now: Date,
  timeZone: string,
): Promise<AccountSummary> {
  const month = monthOf(now, timeZone);
  const [plan, balanceCents, current, thisMonth, packs] = await Promise.all([
    requirePlan(db, account.planCode),
    walletBalance(db, account.id),
    readingAt(db, account.id, now),
    readingsOfMonth(db, account.id, month, timeZone, now),
    activePacks(db, account.id, month),
  ]);
  const coveredDevices = packs.reduce((sum, pack) => sum + pack.devices, 0);
  const devices = current?.count ?? null;
  const monthlyCents = monthlyCost(devices ?? 0, coveredDevices, plan.priceCents);
  return {
    account,
    plan,
    balanceCents,
    devices,
    coveredDevices,
    packs: packs.map((p) => ({ devices: p.devices, endMonth: p.endMonth })),
    monthlyCents,
    runway: runway(balanceCents, monthlyCents, now, timeZone),
    state: lowBalanceState(balanceCents, monthlyCents, account.alertThresholdTenths),
    nextBill: {
      month,
      billedDevices: thisMonth.billedCount,
      amountCents: monthlyCost(thisMonth.billedCount, coveredDevices, plan.priceCents),
    },
  };
}
