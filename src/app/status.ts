import { monthOf } from '../domain/billing-month.js';
import { walletBalance, walletHistory } from '../ledger/ledger.js';
import type { Account } from '../services/accounts.js';
import { deviceSource } from '../services/connectors.js';
import { type DeviceReading, readingsOfMonth, recordReading } from '../services/devices.js';
import { accountOverview } from '../services/summary.js';
import { balanceChanged } from './balance-changed.js';
import { collectionsModel } from './collections-view.js';
import { devicesArg, historyCountArg, noMoreArguments, readOptional } from './command-args.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf, transferLine } from './view-mappers.js';
import type { MessageModel } from './views.js';

/** `status`: balance, devices, monthly cost, runway, next bill, packs, low-balance state. */
export async function statusCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  noMoreArguments(args, 0);
  const { summary, source, openInvoices, directoryVersion } = await accountOverview(
    ctx.deps.db,
    account!,
    ctx.now,
    ctx.deps.config.billingTimeZone,
  );
  ctx.directory?.confirm(directoryVersion);
  const collections = collectionsModel(ctx, account!, openInvoices);
  return [
    {
      kind: 'private',
      message: { kind: 'status', model: { format: formatOf(ctx.deps), summary, source, collections } },
    },
  ];
}

/** `devices [<count>]`: this month's readings; with a count, records it first. */
export async function devicesCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const count = readOptional(devicesArg, args[0]);
  noMoreArguments(args, 1);
  const { db, config } = ctx.deps;
  if (count !== undefined) {
    await recordReading(db, { accountId: account!.id, count, at: ctx.now, by: ctx.actor.userId });
    balanceChanged(ctx.deps, account!.id); // the monthly cost, so the runway, moved
  }
  const month = monthOf(ctx.now, config.billingTimeZone);
  const [source, thisMonth] = await Promise.all([
    deviceSource(db, account!.id, ctx.now),
    readingsOfMonth(db, account!.id, month, config.billingTimeZone, ctx.now),
  ]);
  const reading = (r: DeviceReading) => ({
    count: r.count,
    at: r.effectiveAt,
    by: r.recordedBy,
    source: r.source,
  });
  const message: MessageModel = {
    kind: 'devices',
    model: {
      format: formatOf(ctx.deps),
      accountName: account!.name,
      current: source.reading?.count ?? null,
      month,
      carriedIn: thisMonth.carriedIn ? reading(thisMonth.carriedIn) : null,
      readings: thisMonth.readings.map(reading),
      billedCount: thisMonth.billedCount,
      recorded: count ?? null,
      source,
    },
  };
  return [{ kind: 'private', message }];
}

export const DEFAULT_HISTORY = 10;

/** `history [<n>]`: the last n transfers of the account's wallet (default 10, at most 50). */
export async function historyCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const limit = readOptional(historyCountArg, args[0]) ?? DEFAULT_HISTORY;
  noMoreArguments(args, 1);
  const { db } = ctx.deps;
  const [balanceCents, transfers] = await Promise.all([
    walletBalance(db, account!.id),
    walletHistory(db, account!.id, limit),
  ]);
  const message: MessageModel = {
    kind: 'history',
    model: {
      format: formatOf(ctx.deps),
      accountName: account!.name,
      balanceCents,
      transfers: transfers.map(transferLine),
    },
  };
  return [{ kind: 'private', message }];
}
