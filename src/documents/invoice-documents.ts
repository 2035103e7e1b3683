// What the outbox needs to send an invoice as a document (SPEC §17): the hosted page's address for the message, and
// the PDF as the invoice stands when the file is sent.

import { documentSettings, invoiceDocumentById, invoicePageUrl } from '../app/hosted-invoice.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { invoicePdf } from './invoice-pdf.js';

export interface InvoiceDocuments {
  /** The hosted page (PUBLIC_URL, the number and the link's token). */
  pageUrl(invoice: { id: number; number: string }): string;
  /** The PDF and its file name; undefined when there is no such invoice. */
  pdf(invoiceId: number): Promise<{ name: string; content: Buffer } | undefined>;
}

export function invoiceDocuments(input: {
  db: Db;
  config: Config;
  codeSecret: string;
  clock: Clock;
  /** Where browsers reach the app: PUBLIC_URL, or the port the app really listens on. */
  publicUrl: () => string;
}): InvoiceDocuments {
  const settings = documentSettings(input.config);
  return {
    pageUrl: (invoice) =>
      invoicePageUrl({ publicUrl: input.publicUrl(), codeSecret: input.codeSecret }, invoice),
    async pdf(invoiceId) {
      const document = await invoiceDocumentById(
        { db: input.db, settings, now: input.clock.now() },
        invoiceId,
      );
      return document && { name: `${document.number}.pdf`, content: await invoicePdf(document) };
    },
  };
}
