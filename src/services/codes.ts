import { and, desc, eq, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import { type Db, pgErrorCode } from '../db/client.js';
import { accounts, codes, licensePacks, redemptionFailures } from '../db/schema.js';
import { addMonths, monthOf } from '../domain/billing-month.js';
import { type CodeKind, codeHash, generateCode, parseCode, parseLast4 } from '../domain/code-format.js';
import { postTransfer } from '../ledger/ledger.js';
import { UserError } from './errors.js';
import { type Settlement, settleOpenInvoices } from './receivables.js';

export type Code = typeof codes.$inferSelect;
export type LicensePack = typeof licensePacks.$inferSelect;

export const MAX_CODES_PER_ISSUE = 500;

/** SPEC §6: 5 failures by a user in 15 minutes, or 20 by an account in an hour, lock redemption. */
export const LOCKOUT = {
  user: { failures: 5, windowMs: 15 * 60_000 },
  account: { failures: 20, windowMs: 60 * 60_000 },
} as const;

export interface IssuedCode {
  id: number;
  /** The full code: shown once to the issuer, never stored. */
  code: string;
  last4: string;
}

/** Issues 1–500 balance codes of one amount in one transaction; the full codes exist only in the return value. */
export async function issueBalanceCodes(
  db: Db,
  input: {
    amountCents: bigint;
    count: number;
    expiresAt?: Date;
    note?: string;
    quoteId?: number;
    actor: string;
    now: Date;
    secret: string;
  },
): Promise<IssuedCode[]> {
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_CODES_PER_ISSUE) {
    throw new UserError(`Issue from 1 to ${MAX_CODES_PER_ISSUE} codes at a time.`);
  }
  const fresh = Array.from({ length: input.count }, () =>
    describeCode(generateCode('balance'), input.secret),
  );
  try {
    const rows = await db
      .insert(codes)
      .values(
        fresh.map((c) => ({
          kind: 'balance' as const,
          hash: c.hash,
          last4: c.last4,
          amountCents: input.amountCents,
          expiresAt: input.expiresAt,
          note: input.note,
          quoteId: input.quoteId,
          issuedBy: input.actor,
          issuedAt: input.now,
        })),
      )
      .returning({ id: codes.id, hash: codes.hash });
    const idOf = new Map(rows.map((r) => [r.hash, r.id]));
    return fresh.map((c) => ({ id: idOf.get(c.hash)!, code: c.code, last4: c.last4 }));
  } catch (err) {
    if (pgErrorCode(err) === '23505' && input.quoteId !== undefined) {
      throw new UserError('A code was already issued for this quote.');
    }
    throw err;
  }
}

function describeCode(code: string, secret: string) {
  const parsed = parseCode(code);
  if (!parsed.ok) throw new Error('a generated code did not parse');
  return { code, hash: codeHash(secret, parsed.body), last4: parsed.last4 };
}

export async function codeForQuote(db: Db, quoteId: number): Promise<Code | undefined> {
  const [row] = await db.select().from(codes).where(eq(codes.quoteId, quoteId));
  return row;
}

export type RedeemResult =
  /** `balanceCents` is after `settlement`, which paid what the account owed first (SPEC §14). */
  | {
      ok: true;
      kind: 'balance';
      code: Code;
      amountCents: bigint;
      balanceCents: bigint;
      settlement: Settlement;
    }
  | { ok: true; kind: 'license_pack'; code: Code; pack: LicensePack }
  | { ok: false; reason: 'malformed' | 'mistyped' | 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  | { ok: false; reason: 'already_redeemed_here'; redeemedAt: Date; redeemedBy: string }
  | { ok: false; reason: 'wrong_plan'; packPlan: string; accountPlan: string };

/**
 * Redeems a code for an account (SPEC §6). The code moves issued → redeemed and the wallet is credited (or the pack
 * activated) in one transaction. The status change is a single conditional UPDATE: of any number of simultaneous
 * attempts, PostgreSQL lets exactly one see the row still `issued`; the others find it redeemed.
 */
export async function redeemCode(
  db: Db,
  input: {
    text: string;
    accountId: number;
    actor: string;
    now: Date;
    secret: string;
    timeZone: string;
    /** Where finance hears of a restoration the redemption brings about (the finance channel setting wins). */
    financeChannel?: string;
  },
): Promise<RedeemResult> {
  const parsed = parseCode(input.text);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const until = await lockedUntil(db, input.actor, input.accountId, input.now);
  if (until) return { ok: false, reason: 'locked', until };
  const hash = codeHash(input.secret, parsed.body);
  const redeemed = await claimAndApply(db, { ...input, hash, kind: parsed.kind });
  if (redeemed) return redeemed;

  const [existing] = await db.select().from(codes).where(eq(codes.hash, hash));
  if (existing?.status === 'redeemed' && existing.redeemedAccountId === input.accountId) {
    return {
      ok: false,
      reason: 'already_redeemed_here',
      redeemedAt: existing.redeemedAt!,
      redeemedBy: existing.redeemedBy!,
    };
  }
  // Unknown, void, expired or redeemed elsewhere: one reply for all, and the attempt counts toward a lockout.
  await db
    .insert(redemptionFailures)
    .values({ userId: input.actor, accountId: input.accountId, at: input.now });
  return { ok: false, reason: 'invalid' };
}

class WrongPlan extends Error {
  constructor(
    readonly packPlan: string,
    readonly accountPlan: string,
  ) {
    super('license pack plan differs from the account plan');
  }
}

async function claimAndApply(
  db: Db,
  input: {
    hash: string;
    kind: CodeKind | null;
    accountId: number;
    actor: string;
    now: Date;
    timeZone: string;
    financeChannel?: string;
  },
): Promise<RedeemResult | undefined> {
  try {
    return await db.transaction(async (tx) => {
      const [code] = await tx
        .update(codes)
        .set({
          status: 'redeemed',
          redeemedBy: input.actor,
          redeemedAccountId: input.accountId,
          redeemedAt: input.now,
        })
        .where(
          and(
            eq(codes.hash, input.hash),
            eq(codes.status, 'issued'),
            or(isNull(codes.expiresAt), gt(codes.expiresAt, input.now)),
            input.kind ? eq(codes.kind, input.kind) : undefined,
          ),
        )
        .returning();
      if (!code) return undefined;
      return code.kind === 'balance' ? creditWallet(tx, code, input) : activatePack(tx, code, input);
    });
  } catch (err) {
    if (err instanceof WrongPlan)
      return { ok: false, reason: 'wrong_plan', packPlan: err.packPlan, accountPlan: err.accountPlan };
    throw err;
  }
}

/** Credits the code's value and, in the same transaction, settles what the account owes (SPEC §14). */
async function creditWallet(
  db: Db,
  code: Code,
  input: { accountId: number; actor: string; now: Date; timeZone: string; financeChannel?: string },
): Promise<RedeemResult> {
  const { transfer } = await postTransfer(db, {
    key: `redeem:${code.id}`,
    from: { system: 'codes' },
    to: { wallet: input.accountId },
    amount: code.amountCents!,
    actor: input.actor,
    memo: `Balance code …${code.last4}`,
    at: input.now,
  });
  await db.update(codes).set({ transferId: transfer.id }).where(eq(codes.id, code.id));
  const settlement = await settleOpenInvoices(db, input.accountId, transfer.id, input);
  return {
    ok: true,
    kind: 'balance',
    code,
    amountCents: code.amountCents!,
    balanceCents: settlement.balanceCents,
    settlement,
  };
}

/** A pack covers its devices from the billing month it is redeemed in, for its number of months. */
async function activatePack(
  db: Db,
  code: Code,
  input: { accountId: number; now: Date; timeZone: string },
): Promise<RedeemResult> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, input.accountId));
  if (account!.planCode !== code.planCode) throw new WrongPlan(code.planCode!, account!.planCode);
  const startMonth = monthOf(input.now, input.timeZone);
  const [pack] = await db
    .insert(licensePacks)
    .values({
      codeId: code.id,
      accountId: input.accountId,
      devices: code.devices!,
      startMonth,
      endMonth: addMonths(startMonth, code.months! - 1),
      createdAt: input.now,
    })
    .returning();
  return { ok: true, kind: 'license_pack', code, pack: pack! };
}

/** When a user's or an account's redemption lock ends, if either is locked now. */
export async function lockedUntil(
  db: Db,
  userId: string,
  accountId: number,
  now: Date,
): Promise<Date | undefined> {
  const window = async (who: ReturnType<typeof eq>, rule: { failures: number; windowMs: number }) => {
    const recent = await db
      .select({ at: redemptionFailures.at })
      .from(redemptionFailures)
      .where(
        and(
          who,
          gt(redemptionFailures.at, new Date(now.getTime() - rule.windowMs)),
          lte(redemptionFailures.at, now),
        ),
      )
      .orderBy(desc(redemptionFailures.at))
      .limit(rule.failures);
    // Locked until the oldest of the last N failures leaves the window.
    return recent.length < rule.failures ? undefined : new Date(recent.at(-1)!.at.getTime() + rule.windowMs);
  };
  const [user, account] = await Promise.all([
    window(eq(redemptionFailures.userId, userId), LOCKOUT.user),
    window(eq(redemptionFailures.accountId, accountId), LOCKOUT.account),
  ]);
  const until = [user, account].filter((d): d is Date => d !== undefined);
  return until.length ? new Date(Math.max(...until.map((d) => d.getTime()))) : undefined;
}

export type VoidResult =
  | { ok: true; code: Code }
  | { ok: false; reason: 'not_found' | 'ambiguous' | 'not_open'; status?: Code['status'] };

/** Voids an unredeemed code, named in full or by its last 4 characters (which must then be unambiguous). */
export async function voidCode(
  db: Db,
  input: { text: string; actor: string; now: Date; secret: string },
): Promise<VoidResult> {
  const text = input.text.trim();
  const parsed = parseCode(text);
  const lastFour = parseLast4(text);
  const candidates = parsed.ok
    ? await db
        .select()
        .from(codes)
        .where(eq(codes.hash, codeHash(input.secret, parsed.body)))
    : lastFour
      ? await db
          .select()
          .from(codes)
          .where(and(eq(codes.last4, lastFour), eq(codes.status, 'issued')))
      : [];
  if (candidates.length === 0) return { ok: false, reason: 'not_found' };
  if (candidates.length > 1) return { ok: false, reason: 'ambiguous' };
  const [target] = candidates;
  const [voided] = await db
    .update(codes)
    .set({ status: 'void', voidedBy: input.actor, voidedAt: input.now })
    .where(and(eq(codes.id, target!.id), eq(codes.status, 'issued')))
    .returning();
  return voided ? { ok: true, code: voided } : { ok: false, reason: 'not_open', status: target!.status };
}

export type CodeFilter = 'open' | 'redeemed' | 'void';

/** The newest codes (last 4 only), optionally only open (issued, not expired), redeemed or void ones. */
export async function listCodes(db: Db, input: { filter?: CodeFilter; now: Date; limit: number }) {
  const where =
    input.filter === 'open'
      ? and(eq(codes.status, 'issued'), or(isNull(codes.expiresAt), gt(codes.expiresAt, input.now)))
      : input.filter
        ? eq(codes.status, input.filter)
        : undefined;
  return db
    .select({ code: codes, accountName: accounts.name })
    .from(codes)
    .leftJoin(accounts, eq(accounts.id, codes.redeemedAccountId))
    .where(where)
    .orderBy(desc(codes.issuedAt), desc(codes.id))
    .limit(input.limit);
}

export interface LicensePackRow {
  line: number;
  code: string;
  devices: number;
  months: number;
  planCode: string;
}

/** Imports license pack codes, all or none: any duplicate (in the file or already known) names its line. */
export async function importLicensePacks(
  db: Db,
  rows: LicensePackRow[],
  input: { actor: string; now: Date; secret: string },
): Promise<number> {
  const seen = new Map<string, number>();
  const values = rows.map((row) => {
    const parsed = parseCode(row.code);
    if (!parsed.ok || parsed.kind === 'balance')
      throw new UserError(`line ${row.line}: "${row.code}" is not a license pack code`);
    const hash = codeHash(input.secret, parsed.body);
    const earlier = seen.get(hash);
    if (earlier !== undefined) throw new UserError(`line ${row.line}: the same code as line ${earlier}`);
    seen.set(hash, row.line);
    return {
      kind: 'license_pack' as const,
      hash,
      last4: parsed.last4,
      devices: row.devices,
      months: row.months,
      planCode: row.planCode,
      issuedBy: input.actor,
      issuedAt: input.now,
    };
  });
  if (values.length === 0) return 0;
  return db.transaction(async (tx) => {
    const known = await tx
      .select({ hash: codes.hash })
      .from(codes)
      .where(inArray(codes.hash, [...seen.keys()]));
    if (known.length > 0)
      throw new UserError(`line ${seen.get(known[0]!.hash)}: this code was imported or issued before`);
    await tx.insert(codes).values(values);
    return values.length;
  });
}
