import { eq, inArray, like } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { redemptionFailures, transfers } from '../../src/db/schema.js';
import { generateCode } from '../../src/domain/code-format.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { issueBalanceCodes, LOCKOUT, type RedeemResult, redeemCode } from '../../src/services/codes.js';
import { describePostgres } from '../support/db.js';
import { makeAccount } from '../support/fixtures.js';

const SECRET = 'race-test-secret-0123456789abcdef0123456789';
const NOW = new Date('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

// Races need many connections: PostgreSQL only (the test database's pool has 20).
describePostgres('redemption races', (t) => {
  it('200 simultaneous redemptions of one code: exactly one succeeds, the rest are told it was redeemed', async () => {
    const acme = await makeAccount(t.db);
    const [code] = await issueBalanceCodes(t.db, {
      amountCents: 12_345n,
      currency: 'USD',
      count: 1,
      requestId: 't.1',
      actor: 'USALES1',
      now: NOW,
      secret: SECRET,
    });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        redeemCode(t.db, {
          text: code!.code,
          accountId: acme.id,
          actor: `UADMIN${i}`,
          now: NOW,
          secret: SECRET,
          timeZone: 'UTC',
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'already_redeemed_here')).toHaveLength(199);
    expect(
      await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'redeem:%')),
    ).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(12_345n);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('20 codes × 10 simultaneous attempts each: one winner per code, each credited once', async () => {
    const acme = await makeAccount(t.db);
    const issued = await issueBalanceCodes(t.db, {
      amountCents: 1_000n,
      currency: 'USD',
      count: 20,
      requestId: 't.20',
      actor: 'USALES1',
      now: NOW,
      secret: SECRET,
    });
    const attempts = issued.flatMap((code) =>
      Array.from({ length: 10 }, (_, i) =>
        redeemCode(t.db, {
          text: code.code,
          accountId: acme.id,
          actor: `UADMIN${i}`,
          now: NOW,
          secret: SECRET,
          timeZone: 'UTC',
        }).then((result) => ({ id: code.id, ok: result.ok })),
      ),
    );
    const results = await Promise.all(attempts);
    for (const code of issued) expect(results.filter((r) => r.id === code.id && r.ok)).toHaveLength(1);
    const keys = issued.map((c) => `redeem:${c.id}`);
    expect(await t.db.select().from(transfers).where(inArray(transfers.idempotencyKey, keys))).toHaveLength(
      20,
    );
    expect(await walletBalance(t.db, acme.id)).toBe(20_000n);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  const wrongCodes = (n: number, attempt: (code: string, i: number) => Promise<RedeemResult>) =>
    Promise.all(Array.from({ length: n }, (_, i) => attempt(generateCode('balance'), i)));

  it('50 simultaneous wrong codes from one user: 5 are looked up and recorded, 45 are told the lock’s end', async () => {
    const acme = await makeAccount(t.db);
    const results = await wrongCodes(50, (code) =>
      redeemCode(t.db, {
        text: code,
        accountId: acme.id,
        actor: 'UGUESSER',
        now: NOW,
        secret: SECRET,
        timeZone: 'UTC',
      }),
    );
    const recorded = await t.db
      .select()
      .from(redemptionFailures)
      .where(eq(redemptionFailures.userId, 'UGUESSER'));
    expect(recorded).toHaveLength(LOCKOUT.user.failures);
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(LOCKOUT.user.failures);
    const locked = results.filter((r) => !r.ok && r.reason === 'locked');
    expect(locked).toHaveLength(50 - LOCKOUT.user.failures);
    for (const r of locked)
      expect(r).toEqual({ ok: false, reason: 'locked', until: new Date(NOW.getTime() + 15 * MINUTE) });
  });

  it('50 simultaneous wrong codes from 50 users of one account: 20 are recorded, 30 find the account locked', async () => {
    const acme = await makeAccount(t.db);
    const results = await wrongCodes(50, (code, i) =>
      redeemCode(t.db, {
        text: code,
        accountId: acme.id,
        actor: `UGUESS${i}`,
        now: NOW,
        secret: SECRET,
        timeZone: 'UTC',
      }),
    );
    expect(await t.db.select().from(redemptionFailures)).toHaveLength(LOCKOUT.account.failures);
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(LOCKOUT.account.failures);
    const locked = results.filter((r) => !r.ok && r.reason === 'locked');
    expect(locked).toHaveLength(50 - LOCKOUT.account.failures);
    for (const r of locked)
      expect(r).toEqual({ ok: false, reason: 'locked', until: new Date(NOW.getTime() + 60 * MINUTE) });
  });
});
