import { and, desc, eq, gte, or, sql } from 'drizzle-orm';
import { type Db, pgErrorCode, queryRows, toBigInt } from '../db/client.js';
import { ledgerAccounts, type SystemLedgerKind, transfers } from '../db/schema.js';

/** Where value moves from or to: a customer's wallet (by account id) or one of the system ledger accounts. */
export type LedgerRef = { wallet: number } | { system: SystemLedgerKind };

export interface TransferInput {
  /** Unique per movement (`redeem:<code id>`, `reload:<payment id>`, …): posting it again changes nothing. */
  key: string;
  from: LedgerRef;
  to: LedgerRef;
  amount: bigint;
  /** Who caused it: a Slack user id, `system`, or a provider event id. */
  actor: string;
  memo: string;
  at?: Date;
}

export type Transfer = typeof transfers.$inferSelect;

export interface Posted {
  transfer: Transfer;
  /** True when the key had already been posted with the same values and this call changed nothing. */
  replayed: boolean;
}

export class LedgerError extends Error {
  override name = 'LedgerError';
}

export class InsufficientFundsError extends LedgerError {
  override name = 'InsufficientFundsError';
  constructor(
    readonly accountId: number,
    readonly balance: bigint,
    readonly amount: bigint,
  ) {
    super(`wallet of account ${accountId} holds ${balance}, less than ${amount}`);
  }
}

export class IdempotencyConflictError extends LedgerError {
  override name = 'IdempotencyConflictError';
  constructor(readonly key: string) {
    super(`idempotency key ${key} was already used for a different transfer`);
  }
}

export class UnknownWalletError extends LedgerError {
  override name = 'UnknownWalletError';
  constructor(readonly ref: LedgerRef) {
    super(`no ledger account for ${JSON.stringify(ref)}`);
  }
}

export class ReversalError extends LedgerError {
  override name = 'ReversalError';
}

const MAX_AMOUNT = 9_000_000_000_000_000n; // well inside int8, so sums of many transfers cannot overflow

function ledgerIdOf(ref: LedgerRef) {
  return 'wallet' in ref
    ? sql`(select id from ${ledgerAccounts} where ${ledgerAccounts.accountId} = ${ref.wallet})`
    : sql`(select id from ${ledgerAccounts} where ${ledgerAccounts.kind} = ${ref.system})`;
}

function assertAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_AMOUNT) {
    throw new LedgerError(`a transfer amount must be a positive number of cents, not ${String(amount)}`);
  }
}

/**
 * Posts one transfer and updates the cached wallet balances, atomically (in a savepoint when `db` is already a
 * transaction, so a refusal leaves the caller's transaction usable).
 *
 * Concurrency: each wallet is changed by a single `UPDATE … SET balance = balance ± x` statement. PostgreSQL takes
 * the row lock inside that statement and, if another transaction changed the row first, re-evaluates the statement
 * (and its `balance >= x` condition) on the committed version — so there is no read-modify-write window, no lost
 * update and no overdraft, with one round trip per wallet instead of a SELECT … FOR UPDATE followed by an UPDATE.
 * The CHECK constraint `balance >= 0` is the database's own guarantee behind that condition. The idempotency key is
 * claimed first by `INSERT … ON CONFLICT DO NOTHING`: a concurrent post of the same key waits for the first
 * transaction and then finds its row, so a key is credited once.
 */
export async function postTransfer(db: Db, input: TransferInput): Promise<Posted> {
  assertAmount(input.amount);
  return db.transaction(async (tx) => {
    const inserted = await insertTransfer(tx, input, null);
    if (!inserted) return { transfer: await replayOf(tx, input, null), replayed: true };
    await applyToWallets(tx, inserted, input);
    return { transfer: inserted, replayed: false };
  });
}

async function insertTransfer(db: Db, input: TransferInput, reversesId: number | null) {
  try {
    const [row] = await db
      .insert(transfers)
      .values({
        idempotencyKey: input.key,
        fromLedgerId: ledgerIdOf(input.from),
        toLedgerId: ledgerIdOf(input.to),
        amount: input.amount,
        reversesId,
        actor: input.actor,
        memo: input.memo,
        ...(input.at ? { createdAt: input.at } : {}),
      })
      .onConflictDoNothing({ target: transfers.idempotencyKey })
      .returning();
    return row;
  } catch (err) {
    if (pgErrorCode(err) === '23502')
      throw new UnknownWalletError('wallet' in input.from ? input.from : input.to);
    throw err;
  }
}

/** The transfer already posted under this key, if it matches what the caller asked for; a conflict otherwise. */
async function replayOf(db: Db, input: TransferInput, reversesId: number | null): Promise<Transfer> {
  const [existing] = await db.select().from(transfers).where(eq(transfers.idempotencyKey, input.key));
  const [expected] = await queryRows<{ f: unknown; t: unknown }>(
    db,
    sql`select ${ledgerIdOf(input.from)} as f, ${ledgerIdOf(input.to)} as t`,
  );
  const same =
    existing !== undefined &&
    existing.amount === input.amount &&
    existing.fromLedgerId === Number(expected?.f) &&
    existing.toLedgerId === Number(expected?.t) &&
    (reversesId === null || existing.reversesId === reversesId);
  if (!same) throw new IdempotencyConflictError(input.key);
  return existing;
}

async function applyToWallets(db: Db, transfer: Transfer, input: TransferInput): Promise<void> {
  if ('wallet' in input.from) {
    const debited = await db
      .update(ledgerAccounts)
      .set({ balance: sql`${ledgerAccounts.balance} - ${transfer.amount}` })
      .where(and(eq(ledgerAccounts.id, transfer.fromLedgerId), gte(ledgerAccounts.balance, transfer.amount)))
      .returning({ balance: ledgerAccounts.balance });
    if (debited.length === 0) {
      throw new InsufficientFundsError(
        input.from.wallet,
        await walletBalance(db, input.from.wallet),
        transfer.amount,
      );
    }
  }
  if ('wallet' in input.to) {
    await db
      .update(ledgerAccounts)
      .set({ balance: sql`${ledgerAccounts.balance} + ${transfer.amount}` })
      .where(eq(ledgerAccounts.id, transfer.toLedgerId));
  }
}

export interface ReversalInput {
  transferId: number;
  key: string;
  /** Defaults to what is left of the original after earlier reversals. */
  amount?: bigint;
  actor: string;
  memo: string;
  at?: Date;
}

/**
 * Posts a transfer in the opposite direction that names the one it reverses. Partial reversals may add up to the
 * original amount and no more (net of reversals that were themselves reversed); the original's row lock serialises
 * concurrent reversals of one transfer.
 */
export async function reverseTransfer(db: Db, input: ReversalInput): Promise<Posted> {
  return db.transaction(async (tx) => {
    const [original] = await tx
      .select()
      .from(transfers)
      .where(eq(transfers.id, input.transferId))
      .for('update');
    if (!original) throw new ReversalError(`transfer ${input.transferId} does not exist`);
    const [from, to] = await Promise.all([refOf(tx, original.toLedgerId), refOf(tx, original.fromLedgerId)]);
    // What is still reversed of each earlier reversal: a reversal that was itself reversed (a refund the provider
    // refused, say) gives its amount back.
    const [{ reversed }] = (await queryRows<{ reversed: unknown }>(
      tx,
      sql`select coalesce(sum(r.amount - coalesce(
            (select sum(back.amount) from transfers back where back.reverses_id = r.id), 0)), 0) as reversed
          from transfers r where r.reverses_id = ${original.id} and r.idempotency_key <> ${input.key}`,
    )) as [{ reversed: unknown }];
    const remaining = original.amount - toBigInt(reversed);
    const amount = input.amount ?? remaining;
    const posting: TransferInput = { ...input, from, to, amount };
    const inserted =
      amount > 0n && amount <= remaining ? await insertTransfer(tx, posting, original.id) : undefined;
    if (!inserted) {
      const [prior] = await tx
        .select({ id: transfers.id })
        .from(transfers)
        .where(eq(transfers.idempotencyKey, input.key));
      if (prior) return { transfer: await replayOf(tx, posting, original.id), replayed: true };
      throw new ReversalError(`transfer ${original.id} has ${remaining} left to reverse, not ${amount}`);
    }
    await applyToWallets(tx, inserted, posting);
    return { transfer: inserted, replayed: false };
  });
}

async function refOf(db: Db, ledgerId: number): Promise<LedgerRef> {
  const [row] = await db.select().from(ledgerAccounts).where(eq(ledgerAccounts.id, ledgerId));
  if (!row) throw new ReversalError(`ledger account ${ledgerId} does not exist`);
  return row.kind === 'wallet' ? { wallet: row.accountId! } : { system: row.kind };
}

export async function walletBalance(db: Db, accountId: number): Promise<bigint> {
  const [row] = await db
    .select({ balance: ledgerAccounts.balance })
    .from(ledgerAccounts)
    .where(eq(ledgerAccounts.accountId, accountId));
  if (!row) throw new UnknownWalletError({ wallet: accountId });
  return row.balance ?? 0n;
}

export interface WalletTransfer extends Transfer {
  /** Positive when the wallet was credited, negative when debited. */
  signedAmount: bigint;
}

/** The newest transfers that touched an account's wallet, newest first. */
export async function walletHistory(db: Db, accountId: number, limit: number): Promise<WalletTransfer[]> {
  const [wallet] = await db
    .select({ id: ledgerAccounts.id })
    .from(ledgerAccounts)
    .where(eq(ledgerAccounts.accountId, accountId));
  if (!wallet) throw new UnknownWalletError({ wallet: accountId });
  const rows = await db
    .select()
    .from(transfers)
    .where(or(eq(transfers.fromLedgerId, wallet.id), eq(transfers.toLedgerId, wallet.id)))
    .orderBy(desc(transfers.id))
    .limit(limit);
  return rows.map((t) => ({ ...t, signedAmount: t.toLedgerId === wallet.id ? t.amount : -t.amount }));
}
