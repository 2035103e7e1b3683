import { inArray, like } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { transfers } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { issueBalanceCodes, redeemCode } from '../../src/services/codes.js';
import { describePostgres } from '../support/db.js';
import { makeAccount } from '../support/fixtures.js';

const SECRET = 'race-test-secret-0123456789abcdef0123456789';
const NOW = new Date('2026-11-26T10:00:00Z');

// Races need many connections: PostgreSQL only (the test database's pool has 20).
describePostgres('redemption races', (t) => {
  it('200 simultaneous redemptions of one code: exactly one succeeds, the rest are told it was redeemed', async () => {
    const acme = await makeAccount(t.db);
    const [code] = await issueBalanceCodes(t.db, {
      amountCents: 12_345n,
      count: 1,
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
      count: 20,
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
});
