// The hosted invoice's links (SPEC §17): `/invoices/<number>?t=<token>`, where the token is an HMAC-SHA256 of the
// invoice id under a server key, so a link can be forwarded to an accountant without a Slack login and a number alone
// opens nothing. The key is derived from the code secret (CODE_SECRET with PostgreSQL, generated and kept in the
// database for embedded PGlite: src/services/secrets.ts) with HKDF, so no new variable is needed, replicas agree,
// links survive restarts, and the code-hashing key itself is never used for a second purpose.

import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** 128 bits of the HMAC, base64url: 22 characters. */
const TOKEN_BYTES = 16;
const TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** A token in exactly the form `invoiceToken` makes; anything else names no invoice and is not looked up. */
export const invoiceTokenSchema = z.string().regex(TOKEN, 'is not an invoice link token');

/** The key invoice links are signed with, from the code secret (labelled, so it differs from any other use). */
export function invoiceLinkKey(codeSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', codeSecret, 'balance', 'invoice-links/v1', 32));
}

/** The token of invoice `invoiceId` under `key`. */
export function invoiceToken(key: Buffer, invoiceId: number): string {
  return createHmac('sha256', key)
    .update(`invoice:${invoiceId}`)
    .digest()
    .subarray(0, TOKEN_BYTES)
    .toString('base64url');
}

/** Whether `token` is invoice `invoiceId`'s, compared in constant time. */
export function tokenMatches(key: Buffer, invoiceId: number, token: string): boolean {
  const expected = Buffer.from(invoiceToken(key, invoiceId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface InvoiceLinks {
  /** The hosted page. */
  page: string;
  pdf: string;
  /** Where the page's Pay button posts. */
  pay: string;
}

/** The invoice's addresses under `baseUrl` (PUBLIC_URL, or '' for paths). */
export function invoiceLinks(
  baseUrl: string,
  key: Buffer,
  invoice: { id: number; number: string },
): InvoiceLinks {
  const path = `${baseUrl}/invoices/${encodeURIComponent(invoice.number)}`;
  const query = `?t=${invoiceToken(key, invoice.id)}`;
  return { page: `${path}${query}`, pdf: `${path}.pdf${query}`, pay: `${path}/pay${query}` };
}
