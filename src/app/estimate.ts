import type { Account } from '../services/accounts.js';
import { devicesArg, monthsArg, noMoreArguments, planArg, read, readOptional } from './command-args.js';
import { openEstimateModal } from './estimate-modal.js';
import { estimateModel } from './estimate-model.js';
import type { CommandContext, Reply } from './types.js';

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
  return [{ kind: 'private', message: { kind: 'estimate', model: model } }];
}
