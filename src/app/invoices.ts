import { isMonth } from '../domain/billing-month.js';
import { parseInvoiceNumber } from '../domain/invoice.js';
import { describeInput } from '../domain/money.js';
import type { Account } from '../services/accounts.js';
import { namedInvoices } from '../services/invoicing.js';
import { allows } from './access.js';
import { notice } from './answers.js';
import { noMoreArguments, UsageError } from './command-args.js';
import { invoicePageUrl } from './hosted-invoice.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf, invoiceModel } from './view-mappers.js';

const LAST_INVOICES = 12;

/** `invoices [<YYYY-MM> | <INV-…>]`: the last 12 invoices, or one in full with its page link (SPEC §17). */
export async function invoicesCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const which = args[0];
  const number = which === undefined || isMonth(which) ? undefined : parseInvoiceNumber(which);
  if (number && !number.ok)
    throw new UsageError(
      `"${describeInput(which!)}" is not a month like 2026-11 or an invoice number like INV-2026-00002.`,
    );
  noMoreArguments(args, 1);
  const { db } = ctx.deps;
  const format = formatOf(ctx.deps);
  const canPay = allows(['admin'], ctx.roles, account);
  if (which) {
    // Only this account's invoices: another account's number is answered as one that does not exist.
    const [invoice] = await namedInvoices(
      db,
      number?.ok ? { number: number.number } : { accountId: account!.id, month: which },
    );
    if (!invoice || invoice.invoice.accountId !== account!.id) {
      const missing = number?.ok
        ? `There is no invoice ${number.number} for this account.`
        : `There is no invoice for ${which} yet.`;
      return [{ kind: 'private', message: notice(format, missing) }];
    }
    const pageUrl = invoicePageUrl(
      { publicUrl: ctx.deps.config.publicUrl, codeSecret: ctx.deps.codeSecret },
      invoice.invoice,
    );
    return [
      {
        kind: 'private',
        message: { kind: 'invoice_detail', model: { ...invoiceModel(invoice, format), pageUrl }, canPay },
      },
    ];
  }
  const invoices = (await namedInvoices(db, { accountId: account!.id, limit: LAST_INVOICES })).map((i) =>
    invoiceModel(i, format),
  );
  return [
    {
      kind: 'private',
      message: { kind: 'invoice_list', model: { format, accountName: account!.name, invoices, canPay } },
    },
  ];
}
