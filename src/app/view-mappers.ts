import type { WalletTransfer } from '../ledger/ledger.js';
import type { NamedInvoice } from '../services/invoicing.js';
import type { Payment } from '../services/payments/payments.js';
import type { Deps } from './types.js';
import type { Format, InvoiceModel, PayStepModel, TransferLine } from './views.js';

/** Money in the deployment's currency, date fallbacks in the billing time zone. */
export function formatOf(deps: Pick<Deps, 'config'>): Format {
  return { currency: deps.config.currency, timeZone: deps.config.billingTimeZone };
}

/** A wallet transfer as the history and the Home tab list it. */
export function transferLine(t: WalletTransfer): TransferLine {
  return { id: t.id, at: t.createdAt, signedAmount: t.signedAmount, memo: t.memo, actor: t.actor };
}

/** An invoice as the messages, the list and the Home tab show it. */
export function invoiceModel(row: NamedInvoice, format: Format): InvoiceModel {
  return { format, ...row.invoice, accountName: row.accountName, planName: row.planName };
}

/** The Pay step of a started payment (the Reload modal's, or an invoice's Pay button). */
export function payStepModel(
  deps: Pick<Deps, 'config'>,
  accountName: string,
  payment: Payment,
): PayStepModel {
  return {
    format: formatOf(deps),
    accountName,
    amountCents: payment.amountCents,
    description: payment.description,
    provider: payment.provider,
    checkoutUrl: payment.checkoutUrl!,
    expiresAt: payment.expiresAt,
    paymentId: payment.id,
  };
}
