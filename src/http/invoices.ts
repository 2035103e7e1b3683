import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  documentSettings,
  type HostedInvoiceContext,
  hostedInvoice,
  payHostedInvoice,
} from '../app/hosted-invoice.js';
import type { Deps } from '../app/types.js';
import { invoicePdf } from '../documents/invoice-pdf.js';
import { INVOICE_NUMBER } from '../domain/invoice.js';
import { UserError } from '../services/errors.js';
import { invoiceLinkKey, invoiceLinks, invoiceTokenSchema } from '../services/invoice-links.js';
import { readForm } from './body.js';
import { sendHtml } from './html.js';
import { invoiceNoticePage, invoicePage } from './invoice-page.js';
import type { Route } from './server.js';

// The hosted invoice (SPEC §17): `GET /invoices/<number>?t=<token>` (the page), `GET /invoices/<number>.pdf?t=<token>`
// (the PDF) and the page's Pay button, `POST /invoices/<number>/pay?t=<token>`. The number (path) and the token
// (query) are parsed in their exact formats before anything is looked up; a wrong, missing or malformed token is
// answered exactly as an unknown number is.

const INVOICE_FILE = new RegExp(`^(${INVOICE_NUMBER.source.slice(1, -1)})(\\.pdf)?$`);

/** `INV-2026-00042` or `INV-2026-00042.pdf`, exactly. */
const InvoiceFilePath = z.object({
  file: z
    .string()
    .regex(INVOICE_FILE, 'is not an invoice number (INV-YYYY-NNNNN, or INV-YYYY-NNNNN.pdf)')
    .transform((file) => {
      const [, number, pdf] = INVOICE_FILE.exec(file)!;
      return { number: number!, pdf: pdf !== undefined };
    }),
});
const InvoicePath = z.object({
  number: z.string().regex(INVOICE_NUMBER, 'is not an invoice number (INV-YYYY-NNNNN)'),
});

/** The page's Pay form has no fields: a body, if any, is an empty form. */
const PayForm = z.strictObject({});
const PAY_FORM_LIMIT = 1024;

type InvoiceDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'codeSecret' | 'payments' | 'logger'>;

/** One answer for an unknown number and for a wrong or missing token: status, headers and page alike. */
const NOT_FOUND = invoiceNoticePage(
  'Invoice not found',
  'There is no invoice at this address. Check that the link is complete, or ask for a new one.',
);
const PROVIDER_DOWN = invoiceNoticePage(
  'Payment not started',
  'The payment provider did not answer. Nothing was charged; try again in a minute.',
);
const PAGE_HEADERS = { 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' } as const;

function notFound(res: ServerResponse): void {
  sendHtml(res, 404, NOT_FOUND, PAGE_HEADERS);
}

/** The link's token, when the query holds exactly one `t` in the exact format; anything else is no token. */
function tokenOf(req: IncomingMessage): string | undefined {
  const values = new URL(req.url ?? '/', 'http://balance.invalid').searchParams.getAll('t');
  const parsed = invoiceTokenSchema.safeParse(values.length === 1 ? values[0] : undefined);
  return parsed.success ? parsed.data : undefined;
}

function contextOf(deps: InvoiceDeps): HostedInvoiceContext {
  return {
    db: deps.db,
    linkKey: invoiceLinkKey(deps.codeSecret),
    settings: documentSettings(deps.config),
    now: deps.clock.now(),
  };
}

async function serveInvoice(
  deps: InvoiceDeps,
  req: IncomingMessage,
  res: ServerResponse,
  { number, pdf }: { number: string; pdf: boolean },
): Promise<void> {
  const token = tokenOf(req);
  if (token === undefined) return notFound(res);
  const context = contextOf(deps);
  const hosted = await hostedInvoice(context, number, token);
  if (hosted.kind === 'not_found') return notFound(res);
  if (pdf) {
    const bytes = await invoicePdf(hosted.document);
    res.writeHead(200, {
      'content-type': 'application/pdf',
      'content-length': String(bytes.length),
      'content-disposition': `inline; filename="${number}.pdf"`,
      'cache-control': 'private, no-store',
      ...PAGE_HEADERS,
    });
    res.end(bytes);
    return;
  }
  const links = invoiceLinks('', context.linkKey, hosted.invoice);
  const payable = hosted.document.outstandingCents > 0n;
  sendHtml(
    res,
    200,
    invoicePage(hosted.document, { pdfUrl: links.pdf, ...(payable ? { payUrl: links.pay } : {}) }),
    PAGE_HEADERS,
  );
}

/** The hosted invoice's routes, in every mode and with either provider. */
export function invoiceRoutes(deps: InvoiceDeps): Route[] {
  const page: Route<z.infer<typeof InvoiceFilePath>> = {
    method: 'GET',
    path: '/invoices/:file',
    params: InvoiceFilePath,
    handle: (req, res, { file }) => serveInvoice(deps, req, res, file),
  };
  const pay: Route<z.infer<typeof InvoicePath>> = {
    method: 'POST',
    path: '/invoices/:number/pay',
    params: InvoicePath,
    handle: async (req, res, { number }) => {
      PayForm.parse(await readForm(req, PAY_FORM_LIMIT));
      const token = tokenOf(req);
      if (token === undefined) return notFound(res);
      const context = contextOf(deps);
      let paid: Awaited<ReturnType<typeof payHostedInvoice>>;
      try {
        paid = await payHostedInvoice({ ...context, provider: deps.payments }, number, token);
      } catch (err) {
        // A limit of the provider or of SPEC §11 (an amount too small or too large to pay by card): said plainly.
        if (err instanceof UserError)
          return sendHtml(res, 409, invoiceNoticePage('Payment not started', err.message), PAGE_HEADERS);
        // The provider did not answer (Stripe unreachable): logged, and the payer is told nothing was charged.
        deps.logger.error(`starting the checkout of ${number} failed`, err);
        return sendHtml(res, 503, PROVIDER_DOWN, { ...PAGE_HEADERS, 'retry-after': '60' });
      }
      if (paid.kind === 'not_found') return notFound(res);
      // Paid or written off meanwhile: back to the page, which says so.
      const location =
        paid.kind === 'checkout'
          ? paid.url
          : invoiceLinks('', context.linkKey, { id: paid.invoiceId, number }).page;
      res.writeHead(303, { location, 'cache-control': 'no-store', ...PAGE_HEADERS });
      res.end();
    },
  };
  return [page, pay] as Route[];
}
