import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { type Db, pgErrorCode } from '../db/client.js';
import { apiTokens } from '../db/schema.js';
import { randomBase32 } from '../domain/code-format.js';
import { checkPlainText } from '../domain/text.js';
import { UserError } from './errors.js';

/** Bearer tokens for `POST /api/device-counts` (SPEC §10): shown once, stored only as a SHA-256 hash. */
export const API_TOKEN_PREFIX = 'bal_tok_';
export const API_TOKEN_NAME_MAX = 60;
/** 32 Crockford base-32 characters = 160 random bits. */
const TOKEN_CHARACTERS = 32;
const TOKEN_SHAPE = /^bal_tok_[0-9A-HJKMNP-TV-Z]{32}$/;

export interface ApiTokenIdentity {
  id: number;
  name: string;
}

/**
 * A token has 160 random bits, so a plain SHA-256 is enough (no slow password hash is needed): nobody can search
 * the token space, and the hash alone cannot be presented as a token.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function checkName(raw: string): string {
  const name = checkPlainText(raw, { what: 'An API token name', max: API_TOKEN_NAME_MAX });
  if (!name.ok) throw new UserError(name.error);
  return name.text;
}

/** Makes a token; the caller shows `token` once, as only its hash is kept. Names are unique. */
export async function createApiToken(
  db: Db,
  input: { name: string; actor: string; now: Date },
): Promise<{ token: string; id: number }> {
  const name = checkName(input.name);
  const token = API_TOKEN_PREFIX + randomBase32(TOKEN_CHARACTERS);
  try {
    const [row] = await db
      .insert(apiTokens)
      .values({ name, tokenHash: hashApiToken(token), createdBy: input.actor, createdAt: input.now })
      .returning({ id: apiTokens.id });
    return { token, id: row!.id };
  } catch (err) {
    // The hash cannot collide in practice (160 random bits): a unique violation is the name.
    if (pgErrorCode(err) === '23505') throw new UserError(`An API token named "${name}" already exists.`);
    throw err;
  }
}

/**
 * The token's identity, or undefined. The presented token is never compared with stored secrets: it is hashed and
 * looked up by hash, so timing reveals nothing about any valid token. Marks the token used at `now`.
 */
export async function authenticateApiToken(
  db: Db,
  token: string,
  now: Date,
): Promise<ApiTokenIdentity | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const [row] = await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(eq(apiTokens.tokenHash, hashApiToken(token)))
    .returning({ id: apiTokens.id, name: apiTokens.name });
  return row;
}
