import { and, desc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { type Db, pgErrorCode, preparedQuery, toBigInt } from '../db/client.js';
import { accounts, codeBatches, codes, licensePacks } from '../db/schema.js';
import { addMonths, monthOf } from '../domain/billing-month.js';
import { type CodeKind, codeHash, generateCode, parseCode, parseLast4 } from '../domain/code-format.js';
import { formatMoney } from '../domain/money.js';
import { postTransfer } from '../ledger/ledger.js';
import { AlreadyDoneError, RequestConflictError, UserError } from './errors.js';
import { requireWithinLimits } from './limits.js';
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

export interface IssueRequest {
  amountCents: bigint;
  currency: string;
  count: number;
  expiresAt?: Date;
  note?: string;
  quoteId?: number;
  /** The request that asks (Slack trigger id): one batch per request. */
  requestId: string;
  actor: string;
  now: Date;
  secret: string;
}

/**
 * Issues 1–500 balance codes of one amount in one transaction, as one batch under the request's id; the full codes
 * exist only in the return value. A request that already issued its batch (a replay, or a twin running at the same
 * moment, which waits for the first) gets AlreadyDoneError and sees no code again; the same request id with other
 * arguments is refused.
 */
export async function issueBalanceCodes(db: Db, input: IssueRequest): Promise<IssuedCode[]> {
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_CODES_PER_ISSUE) {
    throw new UserError(`Issue from 1 to ${MAX_CODES_PER_ISSUE} codes at a time.`);
  }
  requireWithinLimits(input.amountCents, input.currency, 'A balance code');
  const fresh = Array.from({ length: input.count }, () =>
    describeCode(generateCode('balance'), input.secret),
  );
  try {
    return await db.transaction(async (tx) => {
      const [batch] = await tx
        .insert(codeBatches)
        .values({
          requestId: input.requestId,
          amountCents: input.amountCents,
          count: input.count,
          expiresAt: input.expiresAt,
          note: input.note,
          quoteId: input.quoteId,
          issuedBy: input.actor,
          issuedAt: input.now,
        })
        .onConflictDoNothing({ target: codeBatches.requestId })
        .returning({ id: codeBatches.id });
      if (!batch) throw await replayRefusal(tx, input);
      const rows = await tx
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
            batchId: batch.id,
            issuedBy: input.actor,
            issuedAt: input.now,
          })),
        )
        .returning({ id: codes.id, hash: codes.hash });
      const idOf = new Map(rows.map((r) => [r.hash, r.id]));
      return fresh.map((c) => ({ id: idOf.get(c.hash)!, code: c.code, last4: c.last4 }));
    });
  } catch (err) {
    if (pgErrorCode(err) === '23505' && input.quoteId !== undefined) {
      throw new UserError('A code was already issued for this quote.');
    }
    throw err;
  }
}

/** The batch this request issued before: the same arguments are a replay (nothing shown again), others a conflict. */
async function replayRefusal(db: Db, input: IssueRequest): Promise<UserError> {
  const [batch] = await db.select().from(codeBatches).where(eq(codeBatches.requestId, input.requestId));
  const same =
    batch !== undefined &&
    batch.issuedBy === input.actor &&
    batch.amountCents === input.amountCents &&
    batch.count === input.count &&
    batch.expiresAt?.getTime() === input.expiresAt?.getTime() &&
    batch.note === (input.note ?? null) &&
    batch.quoteId === (input.quoteId ?? null);
  if (!same)
    return new RequestConflictError(
      'This request was already used to issue other codes. Nothing was issued.',
    );
  const [what, were, they] =
    batch.count === 1 ? ['The code', 'was', 'it is'] : [`The ${batch.count} codes`, 'were', 'they are'];
  const amount = formatMoney(batch.amountCents, input.currency);
  return new AlreadyDoneError(
    `${what} of ${amount} for this request ${were} already issued and shown once; ${they} not shown again. Nothing new was issued.`,
  );
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
 *
 * The lockout is counted atomically: the attempt first takes a transaction-scoped advisory lock for its user and
 * one for its account, so the user's (and the account's) attempts run one at a time from the lockout check to the
 * failure they record. Of 50 simultaneous wrong codes from one user, 5 are looked up and the rest find the lock.
 * After the locks, one statement (`attemptClaim`) checks the lockout, claims the code and records a loser's failure.
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
  const hash = codeHash(input.secret, parsed.body);
  try {
    return await db.transaction(async (tx) => {
      // Sent together (pipelined on the transaction's one connection): the server runs the attempt only after the
      // locks are granted, and its snapshot is taken then, so nothing is read before the locks are held.
      const [, attempt] = await Promise.all([
        lockRedemptions(tx, input.actor, input.accountId),
        attemptClaim(tx, { ...input, hash, kind: parsed.kind }),
      ]);
      if (attempt.until !== null) return { ok: false, reason: 'locked', until: attempt.until };
      if (attempt.claimed !== null) return applyClaim(tx, attempt.claimed, input);
      if (attempt.outcome === 'recorded') return { ok: false, reason: 'invalid' };
      return failure(tx, hash, input);
    });
  } catch (err) {
    if (err instanceof WrongPlan)
      return { ok: false, reason: 'wrong_plan', packPlan: err.packPlan, accountPlan: err.accountPlan };
    throw err;
  }
}

/**
 * Serialises one user's, and one account's, redemption attempts until the transaction ends (user first, then
 * account, always in that order, so two attempts cannot wait on each other). A hash collision between two keys only
 * makes them wait for each other; it never lets an attempt through.
 */
async function lockRedemptions(tx: Db, userId: string, accountId: number): Promise<void> {
  await lockStatement(tx, { user: `redeem-user:${userId}`, account: `redeem-account:${accountId}` });
}

const lockStatement = preparedQuery<unknown[], { user: string; account: string }>(
  sql`select pg_advisory_xact_lock(hashtextextended(${sql.placeholder('user')}::text, 0)),
             pg_advisory_xact_lock(hashtextextended(${sql.placeholder('account')}::text, 0))`,
);

/**
 * A loser that raced the winner, read afresh in one statement: "already redeemed here" says when and by whom;
 * unknown, void, expired or redeemed elsewhere gets one reply for all, and the failure is recorded.
 */
async function failure(
  tx: Db,
  hash: string,
  input: { accountId: number; actor: string; now: Date },
): Promise<RedeemResult> {
  const [here] = await failureStatement(tx, {
    hash,
    accountId: input.accountId,
    userId: input.actor,
    now: input.now.toISOString(),
  });
  if (here) {
    const [redeemedAt, redeemedBy] = here;
    return {
      ok: false,
      reason: 'already_redeemed_here',
      redeemedAt: new Date(redeemedAt as Date),
      redeemedBy,
    };
  }
  return { ok: false, reason: 'invalid' };
}

const failureStatement = (() => {
  const p = (name: 'hash' | 'accountId' | 'userId' | 'now') => sql.placeholder(name);
  return preparedQuery<[redeemedAt: unknown, redeemedBy: string], Record<string, unknown>>(
    sql`with here as (
          select c.redeemed_at, c.redeemed_by from codes c
          where c.hash = ${p('hash')}::text and c.status = 'redeemed'
            and c.redeemed_account_id = ${p('accountId')}::bigint),
        recorded as (
          insert into redemption_failures (user_id, account_id, at)
          select ${p('userId')}::text, ${p('accountId')}::bigint, ${p('now')}::timestamptz
          where not exists (select 1 from here)
          returning id)
        select redeemed_at, redeemed_by from here`,
  );
})();

class WrongPlan extends Error {
  constructor(
    readonly packPlan: string,
    readonly accountPlan: string,
  ) {
    super('license pack plan differs from the account plan');
  }
}

type Attempt = {
  /** Set when the user or the account is locked out: nothing was claimed or recorded. */
  until: Date | null;
  /** The code this attempt claimed (issued → redeemed). */
  claimed: Claimed | null;
  /** `recorded`: a failure counting toward the lockout was written. `recheck`: the code was claimed by a concurrent
   * attempt after this statement's snapshot, so whether it went to this account is decided by a fresh read. */
  outcome: 'claimed' | 'recorded' | 'recheck' | 'locked';
};

/**
 * One statement, after the advisory locks (its snapshot is taken after them, so it sees every failure the attempts
 * before it recorded): the lockout of both windows; if not locked, the conditional UPDATE that claims the code; if
 * nothing was claimed and the code is not one this account already redeemed, the failure. Of any number of
 * simultaneous attempts PostgreSQL lets exactly one UPDATE see the row still `issued`. A loser that raced the winner
 * (the code still claimable in its snapshot) records nothing here and is settled by `failure`.
 */
async function attemptClaim(
  tx: Db,
  input: { hash: string; kind: CodeKind | null; accountId: number; actor: string; now: Date },
): Promise<Attempt> {
  const [row] = await attemptStatement(tx, {
    hash: input.hash,
    kind: input.kind,
    accountId: input.accountId,
    userId: input.actor,
    now: input.now.toISOString(),
  });
  const [until, claimedId, kind, amountCents, last4, outcome] = row!;
  const claimed =
    claimedId === null
      ? null
      : {
          id: Number(claimedId),
          kind,
          amountCents: amountCents === null ? null : toBigInt(amountCents),
          last4,
        };
  return { until: until === null ? null : new Date(Number(until)), claimed, outcome };
}

const attemptStatement = (() => {
  const p = (name: 'hash' | 'kind' | 'accountId' | 'userId' | 'now') => sql.placeholder(name);
  const now = sql`${p('now')}::timestamptz`;
  /** When the window's lock ends, if its last N failures are all inside it (N and the window from LOCKOUT). */
  const nth = (who: SQL, rule: { failures: number; windowMs: number }) =>
    sql`(select extract(epoch from f.at) * 1000 + ${sql.raw(String(rule.windowMs))} from redemption_failures f
         where ${who} and f.at > ${now} - interval '${sql.raw(String(rule.windowMs))} milliseconds' and f.at <= ${now}
         order by f.at desc offset ${sql.raw(String(rule.failures - 1))} limit 1)`;
  const claimable = sql`c.status = 'issued' and (c.expires_at is null or c.expires_at > ${now})
                        and (${p('kind')}::text is null or c.kind = ${p('kind')}::text)`;
  return preparedQuery<
    [
      until: unknown,
      claimedId: unknown,
      kind: CodeKind,
      amountCents: unknown,
      last4: string,
      outcome: Attempt['outcome'],
    ],
    Record<string, unknown>
  >(
    sql`with lockout as (
          select greatest(${nth(sql`f.user_id = ${p('userId')}::text`, LOCKOUT.user)},
                          ${nth(sql`f.account_id = ${p('accountId')}::bigint`, LOCKOUT.account)})::float8 as until),
        claimed as (
          update codes c set status = 'redeemed', redeemed_by = ${p('userId')}::text,
                 redeemed_account_id = ${p('accountId')}::bigint, redeemed_at = ${now}
          where c.hash = ${p('hash')}::text and ${claimable} and (select until from lockout) is null
          returning c.id, c.kind, c.amount_cents, c.last4),
        seen as (select c.status = 'redeemed' and c.redeemed_account_id = ${p('accountId')}::bigint as here,
                        ${claimable} as raced
                 from codes c where c.hash = ${p('hash')}::text),
        recorded as (
          insert into redemption_failures (user_id, account_id, at)
          select ${p('userId')}::text, ${p('accountId')}::bigint, ${now}
          where (select until from lockout) is null and not exists (select 1 from claimed)
            and not exists (select 1 from seen where here or raced)
          returning id)
        select (select until from lockout), (select id from claimed), (select kind from claimed),
               (select amount_cents from claimed), (select last4 from claimed),
               case when (select until from lockout) is not null then 'locked'
                    when exists (select 1 from claimed) then 'claimed'
                    when exists (select 1 from recorded) then 'recorded'
                    else 'recheck' end as outcome`,
  );
})();

/** What the claim returned of the code: enough to post its credit without reading the row first. */
interface Claimed {
  id: number;
  kind: CodeKind;
  amountCents: bigint | null;
  last4: string;
}

/** The claimed code's credit or pack. */
async function applyClaim(
  tx: Db,
  claimed: Claimed,
  input: { accountId: number; actor: string; now: Date; timeZone: string; financeChannel?: string },
): Promise<RedeemResult> {
  if (claimed.kind === 'balance') return creditWallet(tx, claimed, input);
  const [code] = await tx.select().from(codes).where(eq(codes.id, claimed.id));
  return activatePack(tx, code!, input);
}

/**
 * Credits the code's value and, in the same transaction, settles what the account owes (SPEC §14). Statements that
 * do not depend on each other go out together, pipelined on the transaction's connection: the code row with the
 * credit, then the code's transfer id with the settlement's reads.
 */
async function creditWallet(
  db: Db,
  claimed: Claimed,
  input: { accountId: number; actor: string; now: Date; timeZone: string; financeChannel?: string },
): Promise<RedeemResult> {
  const amountCents = claimed.amountCents!;
  const [[code], { transfer }] = await Promise.all([
    db.select().from(codes).where(eq(codes.id, claimed.id)),
    postTransfer(db, {
      key: `redeem:${claimed.id}`,
      from: { system: 'codes' },
      to: { wallet: input.accountId },
      amount: amountCents,
      actor: input.actor,
      memo: `Balance code …${claimed.last4}`,
      at: input.now,
    }),
  ]);
  const [, settlement] = await Promise.all([
    db.update(codes).set({ transferId: transfer.id }).where(eq(codes.id, claimed.id)),
    settleOpenInvoices(db, input.accountId, transfer.id, input),
  ]);
  return {
    ok: true,
    kind: 'balance',
    code: code!,
    amountCents,
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
