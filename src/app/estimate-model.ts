import { estimate, reloadToCover } from '../domain/pricing.js';
import { type Account, requirePlan } from '../services/accounts.js';
import { accountOverview } from '../services/summary.js';
import { allows } from './access.js';
import type { CommandContext } from './types.js';
import { formatOf } from './view-mappers.js';
import type { EstimateModel } from './views.js';

/** The estimate of `devices × months × plan`, with the account's figures when the user may see them. */
export async function estimateModel(
  ctx: CommandContext,
  input: { devices: number; months: number; planCode?: string },
  account?: Account,
): Promise<EstimateModel> {
  const { db, config } = ctx.deps;
  const overview = account && (await accountOverview(db, account, ctx.now, config.billingTimeZone));
  if (overview) ctx.directory?.confirm(overview.directoryVersion);
  const summary = overview?.summary;
  // The account's own plan comes with its summary; another plan is looked up.
  const plan =
    summary && (input.planCode ?? summary.plan.code) === summary.plan.code
      ? summary.plan
      : await requirePlan(db, input.planCode ?? 'standard');
  const figures = estimate(input.devices, input.months, plan.priceCents);
  return {
    format: formatOf(ctx.deps),
    plan,
    estimate: figures,
    account: summary && {
      name: summary.account.name,
      balanceCents: summary.balanceCents,
      monthlyCents: summary.monthlyCents,
      runway: summary.runway,
      reloadCents: reloadToCover(summary.balanceCents, figures.monthlyCents, input.months),
    },
    actions: {
      shareAsQuote: allows(['sales'], ctx.roles),
      reload: account !== undefined && allows(['admin'], ctx.roles, account),
    },
  };
}
