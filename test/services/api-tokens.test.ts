import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { apiTokens } from '../../src/db/schema.js';
import { authenticateApiToken, createApiToken } from '../../src/services/api-tokens.js';
import { UserError } from '../../src/services/errors.js';
import { describeDatabases } from '../support/db.js';

const NOW = new Date('2026-11-26T10:00:00Z');
const LATER = new Date('2026-11-27T08:30:00Z');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describeDatabases('API tokens', (t) => {
  it('makes bal_tok_ + 32 Crockford characters and stores only its SHA-256 hash', async () => {
    const { token, id } = await createApiToken(t.db, { name: 'MDM sync', actor: 'cli', now: NOW });
    expect(token).toMatch(/^bal_tok_[0-9A-HJKMNP-TV-Z]{32}$/);
    const rows = await t.db.select().from(apiTokens);
    expect(rows).toEqual([
      {
        id,
        name: 'MDM sync',
        tokenHash: sha256(token),
        createdBy: 'cli',
        createdAt: NOW,
        lastUsedAt: null,
      },
    ]);
    // The token itself appears nowhere in the row.
    expect(JSON.stringify(rows)).not.toContain(token.slice('bal_tok_'.length));
    const other = await createApiToken(t.db, { name: 'other', actor: 'cli', now: NOW });
    expect(other.token).not.toBe(token);
  });

  it('refuses a name that is taken, empty, too long or not printable', async () => {
    await createApiToken(t.db, { name: 'sync', actor: 'cli', now: NOW });
    await expect(createApiToken(t.db, { name: ' sync ', actor: 'cli', now: NOW })).rejects.toThrow(
      new UserError('An API token named "sync" already exists.'),
    );
    for (const name of ['', '   ', 'x'.repeat(61), 'a\nb', 'tab\there', 'zero\u200bwidth']) {
      await expect(createApiToken(t.db, { name, actor: 'cli', now: NOW })).rejects.toBeInstanceOf(UserError);
    }
    const sixty = await createApiToken(t.db, { name: 'é'.repeat(60), actor: 'cli', now: NOW });
    expect(sixty.id).toBeGreaterThan(0);
    expect(await t.db.select({ name: apiTokens.name }).from(apiTokens)).toHaveLength(2);
  });

  it('authenticates the token it made and records when it was last used', async () => {
    const { token, id } = await createApiToken(t.db, { name: 'sync', actor: 'cli', now: NOW });
    expect(await authenticateApiToken(t.db, token, LATER)).toEqual({ id, name: 'sync' });
    const [row] = await t.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(row!.lastUsedAt).toEqual(LATER);
  });

  it('refuses a wrong, altered, hashed or malformed token and changes nothing', async () => {
    const { token, id } = await createApiToken(t.db, { name: 'sync', actor: 'cli', now: NOW });
    const last = token.at(-1) === '0' ? '1' : '0';
    const wrong = [
      `${token.slice(0, -1)}${last}`,
      token.toLowerCase(),
      `${token} `,
      token.slice('bal_tok_'.length),
      sha256(token),
      '',
      `bal_tok_${'0'.repeat(32)}`,
      'x'.repeat(100_000),
    ];
    for (const attempt of wrong) expect(await authenticateApiToken(t.db, attempt, LATER)).toBeUndefined();
    const [row] = await t.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(row!.lastUsedAt).toBeNull();
  });
});
