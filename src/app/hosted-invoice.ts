// The hosted invoice (SPEC §17): the invoice a link names, if its token is right, as a document; and its Pay button,
// which opens the checkout for what is outstanding (SPEC §14). A wrong token and an unknown number are the same
// answer, reached by the same work (one lookup, one HMAC comparison), so a link cannot be guessed from the answers.

import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { invoiceHistory } from '../services/invoice-history.js';
import { invoiceLinkKey, invoiceLinks, tokenMatches } from '../services/invoice-links.js';
import { type Invoice, type NamedInvoice, namedInvoices } from '../services/invoicing.js';
import { NothingOutstandingError, startOutstandingCheckout } from '../services/payments/outstanding.js';
import type { PaymentProvider } from '../services/payments/provider.js';
import { type InvoiceDocument, type InvoiceDocumentSettings, invoiceDocument } from './invoice-document.js';

export interface HostedInvoiceContext {
  db: Db;
  /** The key links are signed with (src/services/invoice-links.ts). */
  linkKey: Buffer;
  settings: InvoiceDocumentSettings;
  now: Date;
}

export type HostedInvoice =
  | { kind: 'found'; invoice: Invoice; document: InvoiceDocument }
  /** No such number, or not this token. */
  | { kind: 'not_found' };

/** What a deployment prints on its invoice documents (SPEC §1 INVOICE_ISSUER, CURRENCY, BILLING_TIMEZONE). */
export function documentSettings(config: Config): InvoiceDocumentSettings {
  return {
    issuer: config.invoiceIssuer ?? null,
    currency: config.currency,
    timeZone: config.billingTimeZone,
  };
}

/** The document of invoice `number`, when `token` is its link's (both already in their exact formats). */
export async function hostedInvoice(
  ctx: HostedInvoiceContext,
  number: string,
  token: string,
): Promise<HostedInvoice> {
  const [found] = await namedInvoices(ctx.db, { number });
  // Compared even for an unknown number (against id 0, which no invoice has): the same work either way.
  const matches = tokenMatches(ctx.linkKey, found?.invoice.id ?? 0, token);
  if (!found || !matches) return { kind: 'not_found' };
  return { kind: 'found', invoice: found.invoice, document: await documentOf(ctx, found) };
}

/** The document of invoice `invoiceId` as it stands now (the outbox's PDF); undefined when there is none. */
export async function invoiceDocumentById(
  ctx: Omit<HostedInvoiceContext, 'linkKey'>,
  invoiceId: number,
): Promise<InvoiceDocument | undefined> {
  const [found] = await namedInvoices(ctx.db, { invoiceId });
  return found ? documentOf(ctx, found) : undefined;
}

async function documentOf(
  ctx: Omit<HostedInvoiceContext, 'linkKey'>,
  found: NamedInvoice,
): Promise<InvoiceDocument> {
  const history = await invoiceHistory(ctx.db, found.invoice.id);
  return invoiceDocument({
    invoice: found.invoice,
    accountName: found.accountName,
    planName: found.planName,
    ...history,
    settings: ctx.settings,
    now: ctx.now,
  });
}

/** The hosted page's address of an invoice, for its messages and `invoices <n>` (SPEC §17). */
export function invoicePageUrl(
  link: { publicUrl: string; codeSecret: string },
  invoice: { id: number; number: string },
): string {
  return invoiceLinks(link.publicUrl, invoiceLinkKey(link.codeSecret), invoice).page;
}

export type HostedPayment =
  | { kind: 'checkout'; url: string }
  /** Paid or written off in the meantime: the page says so. */
  | { kind: 'nothing_outstanding'; invoiceId: number }
  | { kind: 'not_found' };

/**
 * The hosted page's Pay button: the checkout for exactly what is outstanding, the same one for a double click.
 * Whoever holds the link may pay; the payment is recorded as asked for by the link (`link:<number>`).
 */
export async function payHostedInvoice(
  ctx: HostedInvoiceContext & { provider: PaymentProvider },
  number: string,
  token: string,
): Promise<HostedPayment> {
  const hosted = await hostedInvoice(ctx, number, token);
  if (hosted.kind === 'not_found') return hosted;
  const invoiceId = hosted.invoice.id;
  try {
    const payment = await startOutstandingCheckout(ctx.db, ctx.provider, {
      invoiceId,
      requestedBy: `link:${number}`,
      currency: ctx.settings.currency,
      now: ctx.now,
    });
    return { kind: 'checkout', url: payment.checkoutUrl! };
  } catch (err) {
    if (err instanceof NothingOutstandingError) return { kind: 'nothing_outstanding', invoiceId };
    throw err;
  }
}
