import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** A 401 with the `WWW-Authenticate` challenge of RFC 6750; `invalidToken` when a token was sent but is not valid. */
export const unauthorized = (error: string, invalidToken: boolean) =>
  new HttpError(401, error, {
    headers: {
      'www-authenticate': invalidToken
        ? 'Bearer realm="balance", error="invalid_token"'
        : 'Bearer realm="balance"',
    },
  });

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 7235). */
export function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.trim() === '')
    throw unauthorized('an Authorization: Bearer <API token> header is required', false);
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) throw unauthorized('the Authorization header must use the Bearer scheme', false);
  return match[1]!;
}
