import { invoiceNumberSchema } from '../domain/invoice.js';
import { getAccount } from '../services/accounts.js';
import {
  type FinanceResult,
  payInvoiceOffline,
  receivablesReport,
  writeOffInvoice,
} from '../services/receivables.js';
import { balanceChanged } from './balance-changed.js';
import { amountArg, noMoreArguments, read, UsageError } from './command-args.js';
import { requestIdOf } from './request-id.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf } from './view-mappers.js';
import type { FinanceActionModel, MessageModel } from './views.js';

/** `receivables` (finance): who owes what, with aging and totals (SPEC §14). */
export async function receivablesCommand(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  noMoreArguments(args, 0);
  const report = await receivablesReport(ctx.deps.db, {
    now: ctx.now,
    timeZone: ctx.deps.config.billingTimeZone,
  });
  return [
    { kind: 'private', message: { kind: 'receivables', model: { format: formatOf(ctx.deps), report } } },
  ];
}

const NUMBER_MISSING = 'Which invoice? Give its number, e.g. `INV-2026-00002`.';

/** `invoices pay <INV-…> <amount> [<reference…>]` (finance): a bank transfer received against one invoice. */
export async function invoicesPay(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const number = read(invoiceNumberSchema, args[0], NUMBER_MISSING);
  const amountCents = read(
    amountArg(ctx.deps.config.currency),
    args[1],
    'How much was paid? Give the amount after the number.',
  );
  const result = await payInvoiceOffline(ctx.deps.db, {
    ...collections(ctx),
    number,
    amountCents,
    reference: args.slice(2).join(' '),
  });
  return answer(ctx, 'offline_payment', result);
}

/** `invoices write-off <INV-…> <reason…>` (finance): what is outstanding becomes bad debt, with who and why. */
export async function invoicesWriteOff(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const number = read(invoiceNumberSchema, args[0], NUMBER_MISSING);
  if (args.slice(1).join('').trim() === '')
    throw new UsageError('Give the reason after the number; it is kept with the write-off.');
  const result = await writeOffInvoice(ctx.deps.db, {
    ...collections(ctx),
    number,
    reason: args.slice(1).join(' '),
  });
  return answer(ctx, 'write_off', result);
}

function collections(ctx: CommandContext) {
  return {
    now: ctx.now,
    timeZone: ctx.deps.config.billingTimeZone,
    financeChannel: ctx.deps.config.financeChannel,
    actor: ctx.actor.userId,
    requestId: requestIdOf(ctx.actor),
  };
}

async function answer(
  ctx: CommandContext,
  action: FinanceActionModel['action'],
  result: FinanceResult,
): Promise<Reply[]> {
  const account = (await getAccount(ctx.deps.db, result.accountId))!;
  if (!result.replayed) balanceChanged(ctx.deps, account.id);
  const message: MessageModel = {
    kind: 'finance_action',
    model: {
      format: formatOf(ctx.deps),
      action,
      accountName: account.name,
      number: result.number,
      amountCents: result.amountCents,
      outstandingCents: result.outstandingCents,
      replayed: result.replayed,
    },
  };
  return [{ kind: 'private', message }];
}
