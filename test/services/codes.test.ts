import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { codes, licensePacks, redemptionFailures, transfers } from '../../src/db/schema.js';
import { generateCode, parseCode } from '../../src/domain/code-format.js';
import { walletBalance, walletHistory } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { createAccount, setAccountPlan } from '../../src/services/accounts.js';
import {
  importLicensePacks,
  issueBalanceCodes,
  LOCKOUT,
  listCodes,
  redeemCode,
  voidCode,
} from '../../src/services/codes.js';
import { recordReading } from '../../src/services/devices.js';
import { accountSummary } from '../../src/services/summary.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { makeAccount } from '../support/fixtures.js';

const SECRET = 'services-test-secret-0123456789abcdef012345';
const NOW = new Date('2026-11-26T10:00:00Z');
const MINUTE = 60_000;
const ISSUE = { currency: 'USD', count: 1, actor: 'USALES1', now: NOW, secret: SECRET };
let requests = 0;

describeDatabases('balance codes and license packs', (t) => {
  const issue = (amountCents: bigint, extra: Partial<Parameters<typeof issueBalanceCodes>[1]> = {}) =>
    issueBalanceCodes(t.db, { ...ISSUE, amountCents, requestId: `t.${++requests}`, ...extra });
  const redeem = (text: string, accountId: number, actor = 'UADMIN1', now = NOW) =>
    redeemCode(t.db, { text, accountId, actor, now, secret: SECRET, timeZone: 'UTC' });

  it('issues codes storing only a keyed hash and the last 4 characters', async () => {
    const issued = await issue(50_000n, { count: 3 });
    expect(issued).toHaveLength(3);
    const rows = await t.db.select().from(codes);
    for (const { code, last4 } of issued) {
      expect(code).toMatch(/^BAL-([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]$/);
      expect(code.replaceAll('-', '').endsWith(last4)).toBe(true);
    }
    const stored = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const { code } of issued) {
      const body = (parseCode(code) as { body: string }).body;
      expect(stored).not.toContain(body);
      expect(stored).not.toContain(code);
    }
    expect(rows.map((r) => r.hash)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}$/)]),
    );
  });

  it('redeems once: the code becomes redeemed and the wallet is credited with key redeem:<code id>', async () => {
    const acme = await makeAccount(t.db);
    const [code] = await issue(50_000n);
    const result = await redeem(code!.code.toLowerCase().replaceAll('-', ' '), acme.id);
    expect(result).toMatchObject({ ok: true, kind: 'balance', amountCents: 50_000n, balanceCents: 50_000n });
    const [transfer] = await t.db
      .select()
      .from(transfers)
      .where(eq(transfers.idempotencyKey, `redeem:${code!.id}`));
    expect(transfer).toMatchObject({ amount: 50_000n, actor: 'UADMIN1' });
    const [row] = await t.db.select().from(codes).where(eq(codes.id, code!.id));
    expect(row).toMatchObject({
      status: 'redeemed',
      redeemedAccountId: acme.id,
      redeemedBy: 'UADMIN1',
      transferId: transfer!.id,
    });
    expect(await walletHistory(t.db, acme.id, 5)).toHaveLength(1);

    const again = await redeem(code!.code, acme.id, 'UOTHER1', new Date(NOW.getTime() + MINUTE));
    expect(again).toEqual({
      ok: false,
      reason: 'already_redeemed_here',
      redeemedAt: NOW,
      redeemedBy: 'UADMIN1',
    });
    expect(await walletBalance(t.db, acme.id)).toBe(50_000n);
    expect((await verifyLedger(t.db)).problems).toEqual([]);
  });

  it('answers expired, void, unknown and redeemed-elsewhere codes identically, writing only the failure count', async () => {
    const acme = await makeAccount(t.db);
    const other = await makeAccount(t.db);
    const [expired] = await issue(1_000n, { expiresAt: new Date(NOW.getTime() - 1) });
    const [voided] = await issue(1_000n);
    await voidCode(t.db, { text: voided!.code, actor: 'USALES1', now: NOW, secret: SECRET });
    const [elsewhere] = await issue(1_000n);
    await redeem(elsewhere!.code, other.id, 'UOTHERADMIN');
    const unknown = generateCode('balance');

    const answers = [];
    for (const code of [expired!.code, voided!.code, elsewhere!.code, unknown]) {
      const before = await tableCounts(t.db);
      answers.push(await redeem(code, acme.id));
      const after = await tableCounts(t.db);
      expect(after).toEqual({ ...before, redemption_failures: before.redemption_failures! + 1 });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ ok: false, reason: 'invalid' })]),
    );
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
  });

  it('says "mistyped" for a wrong check character without a lookup or a failure', async () => {
    const acme = await makeAccount(t.db);
    const [code] = await issue(1_000n);
    const last = code!.code.at(-1)!;
    const typo = code!.code.slice(0, -1) + (last === '0' ? '1' : '0');
    expect(await redeem(typo, acme.id)).toEqual({ ok: false, reason: 'mistyped' });
    expect(await redeem('BAL-1234', acme.id)).toEqual({ ok: false, reason: 'malformed' });
    expect(await t.db.select().from(redemptionFailures)).toEqual([]);
  });

  it('locks a user after 5 failures in 15 minutes, even for a valid code, until a named time', async () => {
    const acme = await makeAccount(t.db);
    const [good] = await issue(1_000n);
    for (let i = 0; i < LOCKOUT.user.failures; i++) {
      await redeem(generateCode('balance'), acme.id, 'UADMIN1', new Date(NOW.getTime() + i * MINUTE));
    }
    const sixth = await redeem(good!.code, acme.id, 'UADMIN1', new Date(NOW.getTime() + 5 * MINUTE));
    // Locked until the first of the five failures is 15 minutes old.
    expect(sixth).toEqual({ ok: false, reason: 'locked', until: new Date(NOW.getTime() + 15 * MINUTE) });
    // Another admin of the same account is not locked by this user's failures, and a success does not reset them.
    expect(await redeem(good!.code, acme.id, 'UADMIN2', new Date(NOW.getTime() + 6 * MINUTE))).toMatchObject({
      ok: true,
    });
    const [second] = await issue(1_000n);
    expect(
      await redeem(second!.code, acme.id, 'UADMIN1', new Date(NOW.getTime() + 14 * MINUTE)),
    ).toMatchObject({ reason: 'locked' });
    expect(
      await redeem(second!.code, acme.id, 'UADMIN1', new Date(NOW.getTime() + 15 * MINUTE)),
    ).toMatchObject({ ok: true });
  });

  it('locks an account after 20 failures in an hour, whoever makes them', async () => {
    const acme = await makeAccount(t.db);
    const [good] = await issue(1_000n);
    for (let i = 0; i < LOCKOUT.account.failures; i++) {
      await redeem(generateCode('balance'), acme.id, `UUSER${i}`, new Date(NOW.getTime() + i * MINUTE));
    }
    expect(await redeem(good!.code, acme.id, 'UFRESH1', new Date(NOW.getTime() + 30 * MINUTE))).toEqual({
      ok: false,
      reason: 'locked',
      until: new Date(NOW.getTime() + 60 * MINUTE),
    });
  });

  it('voids an open code by its last 4, asks for the full code when ambiguous, and never voids a redeemed one', async () => {
    const acme = await makeAccount(t.db);
    const [a] = await issue(1_000n);
    expect(
      await voidCode(t.db, { text: a!.last4.toLowerCase(), actor: 'USALES1', now: NOW, secret: SECRET }),
    ).toMatchObject({
      ok: true,
      code: { status: 'void', voidedBy: 'USALES1' },
    });
    const [b] = await issue(1_000n);
    await redeem(b!.code, acme.id);
    expect(await voidCode(t.db, { text: b!.code, actor: 'USALES1', now: NOW, secret: SECRET })).toEqual({
      ok: false,
      reason: 'not_open',
      status: 'redeemed',
    });
    // Two open codes sharing their last 4 characters.
    const [c, d] = await issue(1_000n, { count: 2 });
    await t.db.update(codes).set({ last4: 'ZZZZ' }).where(eq(codes.id, c!.id));
    await t.db.update(codes).set({ last4: 'ZZZZ' }).where(eq(codes.id, d!.id));
    expect(await voidCode(t.db, { text: 'zzzz', actor: 'USALES1', now: NOW, secret: SECRET })).toEqual({
      ok: false,
      reason: 'ambiguous',
    });
  });

  it('lists codes by status with their last 4 only', async () => {
    const acme = await makeAccount(t.db, 'Acme');
    const [open, redeemed] = await issue(1_000n, { count: 2 });
    await redeem(redeemed!.code, acme.id);
    const listed = await listCodes(t.db, { filter: 'redeemed', now: NOW, limit: 10 });
    expect(listed.map((r) => [r.code.last4, r.accountName])).toEqual([[redeemed!.last4, 'Acme']]);
    expect((await listCodes(t.db, { filter: 'open', now: NOW, limit: 10 })).map((r) => r.code.last4)).toEqual(
      [open!.last4],
    );
  });

  it('imports license packs all or none, and a redeemed pack lowers the monthly cost from $240.00 to $140.00', async () => {
    const acme = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'U1' });
    await recordReading(t.db, { accountId: acme.id, count: 120, at: NOW, by: 'U1' });
    const pack = generateCode('license_pack');
    const dup = generateCode('license_pack');
    await expect(
      importLicensePacks(
        t.db,
        [
          { line: 2, code: dup, devices: 10, months: 12, planCode: 'standard' },
          { line: 3, code: dup.toLowerCase(), devices: 10, months: 12, planCode: 'standard' },
        ],
        { actor: 'cli', now: NOW, secret: SECRET },
      ),
    ).rejects.toThrow('line 3: the same code as line 2');
    expect(await t.db.select().from(codes)).toEqual([]);
    expect(
      await importLicensePacks(
        t.db,
        [{ line: 2, code: pack, devices: 50, months: 12, planCode: 'standard' }],
        {
          actor: 'cli',
          now: NOW,
          secret: SECRET,
        },
      ),
    ).toBe(1);
    await expect(
      importLicensePacks(t.db, [{ line: 2, code: pack, devices: 50, months: 12, planCode: 'standard' }], {
        actor: 'cli',
        now: NOW,
        secret: SECRET,
      }),
    ).rejects.toThrow('line 2: this code was imported or issued before');

    expect((await accountSummary(t.db, acme, NOW, 'UTC')).monthlyCents).toBe(24_000n);
    const result = await redeem(pack, acme.id);
    expect(result).toMatchObject({
      ok: true,
      kind: 'license_pack',
      pack: { devices: 50, startMonth: '2026-11', endMonth: '2027-10' },
    });
    const summary = await accountSummary(t.db, acme, NOW, 'UTC');
    expect(summary.monthlyCents).toBe(14_000n);
    expect(summary.packs).toEqual([{ devices: 50, endMonth: '2027-10' }]);
    // Outside the pack's months it no longer counts.
    expect((await accountSummary(t.db, acme, new Date('2027-11-02T00:00:00Z'), 'UTC')).monthlyCents).toBe(
      24_000n,
    );
    expect(await t.db.select().from(licensePacks)).toHaveLength(1);
  });

  it('refuses a license pack for another plan without using it up', async () => {
    const acme = await makeAccount(t.db, 'Plus Co', 'plus');
    const pack = generateCode('license_pack');
    await importLicensePacks(t.db, [{ line: 2, code: pack, devices: 5, months: 1, planCode: 'standard' }], {
      actor: 'cli',
      now: NOW,
      secret: SECRET,
    });
    expect(await redeem(pack, acme.id)).toEqual({
      ok: false,
      reason: 'wrong_plan',
      packPlan: 'standard',
      accountPlan: 'plus',
    });
    await setAccountPlan(t.db, acme.id, 'standard');
    expect(await redeem(pack, acme.id)).toMatchObject({ ok: true, kind: 'license_pack' });
  });
});
