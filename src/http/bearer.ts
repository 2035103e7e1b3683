import type { IncomingMessage } from 'node:http';
import type { Db } from '../db/client.js';
import { type ApiTokenIdentity, authenticateApiToken } from '../services/api-tokens.js';
import { HttpError } from './errors.js';

/** 401 with the `WWW-Authenticate: Bearer` challenge of RFC 6750 (`invalid_token` when one was presented). */
export function unauthorized(error: string, invalidToken: boolean): HttpError {
  return new HttpError(401, error, {
    headers: {
      'www-authenticate': invalidToken
        ? 'Bearer realm="balance", error="invalid_token"'
        : 'Bearer realm="balance"',
    },
  });
}

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 7235). */
export function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.trim() === '')
    throw unauthorized('an Authorization: Bearer <API token> header is required', false);
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) throw unauthorized('the Authorization header must use the Bearer scheme', false);
  return match[1]!;
}

/** The API token's identity (SPEC §10), or a 401. Marks the token used, in the caller's transaction. */
export async function requireApiToken(db: Db, token: string, now: Date): Promise<ApiTokenIdentity> {
  const caller = await authenticateApiToken(db, token, now);
  if (!caller) throw unauthorized('the API token is not valid', true);
  return caller;
}
