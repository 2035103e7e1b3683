import { localDate } from '../domain/billing-month.js';
import { invoiceState } from '../domain/receivables.js';
import type { Account } from '../services/accounts.js';
import type { OpenInvoice } from '../services/summary.js';
import { allows } from './access.js';
import type { CommandContext } from './types.js';
import type { CollectionsModel } from './views.js';

/** What the account owes (its open invoices, from its overview) and whether it is suspended, for `status` and the
 * Home tab; Pay buttons for its admins. */
export function collectionsModel(
  ctx: Pick<CommandContext, 'deps' | 'roles' | 'now'>,
  account: Account,
  open: OpenInvoice[],
): CollectionsModel {
  const zone = ctx.deps.config.billingTimeZone;
  // Overdue as of today, or as of the suspension when that is later (a trial's `jobs alerts --now` ahead of time).
  const today = localDate(ctx.now, zone);
  const suspendedOn = account.suspendedSince ? localDate(account.suspendedSince, zone) : today;
  const asOf = [suspendedOn, today].sort().at(-1) ?? today;
  const sum = (list: typeof open) => list.reduce((total, i) => total + i.outstandingCents, 0n);
  return {
    suspendedSince: account.suspendedSince,
    overdueCents: sum(open.filter((i) => invoiceState('due', i.dueDate, asOf) === 'overdue')),
    outstandingCents: sum(open),
    open: open.map((i) => ({
      number: i.number,
      outstandingCents: i.outstandingCents,
      status: 'due',
      dueDate: i.dueDate,
    })),
    canPay: allows(['admin'], ctx.roles, account),
  };
}
