import { invoiceNumberSchema } from '../domain/invoice.js';
import { type Account, getAccount } from '../services/accounts.js';
import { payableInvoice, startInvoicePayment } from '../services/payments/invoice-payment.js';
import { allows, refusal } from './access.js';
import { refusalOf } from './answers.js';
import { requestIdOf } from './request-id.js';
import type { CommandContext, Reply } from './types.js';
import { payStepModel } from './view-mappers.js';

/**
 * A Pay button (SPEC §14, admins): a checkout for exactly what the invoice has outstanding, shown as the Reload
 * modal's Pay step; its confirmation settles like any reload. A value that is not an invoice number (a forged
 * click) does nothing; someone who administers no account is refused before anything is looked up.
 */
export async function payInvoiceClick(ctx: CommandContext, value: string | undefined): Promise<Reply[]> {
  const number = invoiceNumberSchema.safeParse(value ?? '');
  if (!number.success) return [];
  const refuse = (account?: Account): Reply[] => [
    { kind: 'private', message: refusalOf(refusal('reload', ['admin'], ctx.roles, account)) },
  ];
  if (!allows(['admin'], ctx.roles)) return refuse();
  const invoice = await payableInvoice(ctx.deps.db, number.data);
  const account = (await getAccount(ctx.deps.db, invoice.accountId))!;
  if (!allows(['admin'], ctx.roles, account)) return refuse(account);
  const payment = await startInvoicePayment(ctx.deps.db, ctx.deps.payments, {
    invoice,
    accountName: account.name,
    currency: ctx.deps.config.currency,
    requestId: requestIdOf(ctx.actor),
    requestedBy: ctx.actor.userId,
    now: ctx.now,
  });
  return [
    { kind: 'open_modal', view: { kind: 'pay_step', model: payStepModel(ctx.deps, account.name, payment) } },
  ];
}
