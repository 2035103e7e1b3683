import { estimate, reloadToCover } from '../domain/pricing.js';
import { type Account, requirePlan } from '../services/accounts.js';
import { accountSummary } from '../services/summary.js';
import { estimateMessage } from '../slack/render/estimate.js';
import { allows } from './access.js';
import { devicesArg, monthsArg, noMoreArguments, planArg, read, readOptional } from './command-args.js';
import { openEstimateModal } from './estimate-modal.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf } from './view-mappers.js';
import type { EstimateModel } from './views.js';

export const DEFAULT_ESTIMATE_MONTHS = 12;

/** `estimate [<devices> [<months> [<plan>]]]`: the figures, or the modal when no arguments are given. */
export async function estimateCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  if (args.length === 0) return [await openEstimateModal(ctx, account)];
  const devices = read(devicesArg, args[0], 'How many devices?');
  const months = readOptional(monthsArg, args[1]) ?? DEFAULT_ESTIMATE_MONTHS;
  const planCode = readOptional(planArg, args[2]);
  noMoreArguments(args, 3);
  const model = await estimateModel(ctx, { devices, months, planCode }, account);
  return [{ kind: 'private', message: estimateMessage(model) }];
}

/** The estimate of `devices × months × plan`, with the account's figures when the user may see them. */
export async function estimateModel(
  ctx: CommandContext,
  input: { devices: number; months: number; planCode?: string },
  account?: Account,
): Promise<EstimateModel> {
  const { db, config } = ctx.deps;
  const summary = account ? await accountSummary(db, account, ctx.now, config.billingTimeZone) : undefined;
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
