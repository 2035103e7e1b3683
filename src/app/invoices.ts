import { isMonth } from '../domain/billing-month.js';
import { describeInput } from '../domain/money.js';
import type { Account } from '../services/accounts.js';
import { namedInvoices } from '../services/invoicing.js';
import { notice } from './answers.js';
import { noMoreArguments, UsageError } from './command-args.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf, invoiceModel } from './view-mappers.js';

const LAST_INVOICES = 12;

/** `invoices [<YYYY-MM>]`: the last 12 invoices, or one in full. */
export async function invoicesCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const month = args[0];
  if (month !== undefined && !isMonth(month))
    throw new UsageError(`"${describeInput(month)}" is not a month like 2026-11.`);
  noMoreArguments(args, 1);
  const { db } = ctx.deps;
  const format = formatOf(ctx.deps);
  if (month) {
    const [invoice] = await namedInvoices(db, { accountId: account!.id, month });
    if (!invoice)
      return [{ kind: 'private', message: notice(format, `There is no invoice for ${month} yet.`) }];
    return [{ kind: 'private', message: { kind: 'invoice_detail', model: invoiceModel(invoice, format) } }];
  }
  const invoices = (await namedInvoices(db, { accountId: account!.id, limit: LAST_INVOICES })).map((i) =>
    invoiceModel(i, format),
  );
  return [
    {
      kind: 'private',
      message: { kind: 'invoice_list', model: { format, accountName: account!.name, invoices } },
    },
  ];
}
