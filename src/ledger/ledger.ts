import { and, desc, eq, or, sql } from 'drizzle-orm';
import { type Db, preparedQuery, preparedRead, queryRows, toBigInt } from '../db/client.js';
import {
  type AccountLedgerKind,
  type LedgerKind,
  ledgerAccounts,
  type SystemLedgerKind,
  transfers,
} from '../db/schema.js';

/**
 * Where value moves from or to: a customer account's wallet or receivable (by account id), or one of the system
 * ledger accounts.
 */
export type LedgerRef = { wallet: number } | { receivable: number } | { system: SystemLedgerKind };

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

function kindOf(ref: LedgerRef): LedgerKind {
  return 'system' in ref ? ref.system : 'wallet' in ref ? 'wallet' : 'receivable';
}

function ownerOf(ref: LedgerRef): number | null {
  return 'wallet' in ref ? ref.wallet : 'receivable' in ref ? ref.receivable : null;
}

/** The ledger account id of `ref`; `owner` is the customer account id (a value or a placeholder). */
function ledgerIdOf(ref: LedgerRef, owner: unknown = ownerOf(ref)) {
  const kind = sql.raw(`'${kindOf(ref)}'`);
  if ('system' in ref) return sql`(select id from ${ledgerAccounts} where ${ledgerAccounts.kind} = ${kind})`;
  return sql`(select id from ${ledgerAccounts} where ${ledgerAccounts.accountId} = ${owner}::bigint
              and ${ledgerAccounts.kind} = ${kind})`;
}

function assertAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_AMOUNT) {
    throw new LedgerError(`a transfer amount must be a positive number of cents, not ${String(amount)}`);
  }
}

/**
 * Posts one transfer and updates the cached wallet balances in a single statement (see `postStatement`), so a
 * posting is one round trip and atomic on its own; inside a caller's transaction it joins that transaction, and a
 * refusal (insufficient funds, a conflicting key) leaves the transaction usable.
 */
export async function postTransfer(db: Db, input: TransferInput): Promise<Posted> {
  assertAmount(input.amount);
  const posted = await postStatement(db, input, null);
  if (posted.transfer) return { transfer: posted.transfer, replayed: false };
  if (posted.shortOf !== undefined && !(await keyExists(db, input.key))) {
    throw new InsufficientFundsError((input.from as { wallet: number }).wallet, posted.shortOf, input.amount);
  }
  return { transfer: await replayOf(db, input, null), replayed: true };
}

/**
 * One statement: claim the idempotency key, move the amount, update the cached balances.
 *
 * Concurrency: a debited wallet is locked `FOR UPDATE` first, which waits for any transaction holding it and then
 * reads the committed balance; the transfer is inserted only if that balance covers the amount, and the wallet is
 * updated by `balance = balance - x` on the row already locked. A credited wallet is changed by
 * `balance = balance + x`, which PostgreSQL applies to the newest version of the row. So there is no
 * read-modify-write window in the application, no lost update and no overdraft; the `balance >= 0` CHECK stands behind
 * it. A receivable is changed the same way, both ways, with no balance check: its `balance <= 0` CHECK refuses a
 * payment of more than is owed. System accounts are never locked or updated (no hot row). The key is claimed by
 * `INSERT … ON CONFLICT DO NOTHING`: a concurrent post of the same key waits for the first and then inserts nothing.
 */
async function postStatement(
  db: Db,
  input: TransferInput,
  reversesId: number | null,
): Promise<{ transfer?: Transfer; shortOf?: bigint }> {
  const createdAt = new Date(input.at ?? Date.now());
  const [[id, balanceBefore, fromId, toId]] = (await postingStatement(input.from, input.to)(db, {
    key: input.key,
    fromAccount: ownerOf(input.from),
    toAccount: ownerOf(input.to),
    amount: input.amount.toString(),
    reversesId,
    actor: input.actor,
    memo: input.memo,
    at: createdAt.toISOString(),
  })) as [PostedRow];
  if (fromId === null || toId === null) throw new UnknownWalletError(fromId === null ? input.from : input.to);
  if (id !== null) {
    // Every other column of the new row is a value this call sent, so only the ids come back from the server.
    const { key: idempotencyKey, amount, actor, memo } = input;
    const [fromLedgerId, toLedgerId] = [Number(fromId), Number(toId)];
    return {
      transfer: {
        id: Number(id),
        idempotencyKey,
        fromLedgerId,
        toLedgerId,
        amount,
        reversesId,
        actor,
        memo,
        createdAt,
      },
    };
  }
  const balance = balanceBefore === null ? undefined : toBigInt(balanceBefore);
  const debit = 'wallet' in input.from;
  return { shortOf: debit && balance !== undefined && balance < input.amount ? balance : undefined };
}

/** The new transfer's id (null when nothing was inserted), the debited wallet's balance before, both ledger ids. */
type PostedRow = [id: unknown, balanceBefore: unknown, fromId: unknown, toId: unknown];
type PostingValues = {
  key: string;
  fromAccount: number | null;
  toAccount: number | null;
  amount: string;
  reversesId: number | null;
  actor: string;
  memo: string;
  at: string;
};
/**
 * The posting statement for one pair of ledger account kinds, its text built once per process: the kinds are part
 * of the text (a system account is found through its own partial unique index), every value is a placeholder.
 */
function postingStatement(from: LedgerRef, to: LedgerRef) {
  const shape = `${kindOf(from)}>${kindOf(to)}`;
  let statement = postingStatements.get(shape);
  if (!statement) {
    statement = buildPostingStatement(from, to);
    postingStatements.set(shape, statement);
  }
  return statement;
}

const postingStatements = new Map<string, ReturnType<typeof buildPostingStatement>>();

function buildPostingStatement(from: LedgerRef, to: LedgerRef) {
  const debit = 'wallet' in from;
  const p = (name: keyof PostingValues) => sql.placeholder(name);
  return preparedQuery<PostedRow, PostingValues>(
    sql`with src as (select ${ledgerIdOf(from, p('fromAccount'))} as id),
             dst as (select ${ledgerIdOf(to, p('toAccount'))} as id),
             locked as (select w.id, w.balance from ledger_accounts w where ${sql.raw(String(debit))} and w.id = (select id from src) for update),
             ins as (
               insert into transfers (idempotency_key, from_ledger_id, to_ledger_id, amount, reverses_id, actor, memo, created_at)
               select ${p('key')}, (select id from src), (select id from dst), ${p('amount')}::bigint,
                      ${p('reversesId')}::bigint, ${p('actor')}, ${p('memo')}, ${p('at')}::timestamptz
               where not ${sql.raw(String(debit))} or (select balance from locked) >= ${p('amount')}::bigint
               on conflict (idempotency_key) do nothing
               returning id, from_ledger_id, to_ledger_id, amount),
             debited as (update ledger_accounts w set balance = w.balance - ins.amount
                         from ins where w.id = ins.from_ledger_id and w.kind in ('wallet', 'receivable') returning w.id),
             credited as (update ledger_accounts w set balance = w.balance + ins.amount
                          from ins where w.id = ins.to_ledger_id and w.kind in ('wallet', 'receivable') returning w.id)
        select ins.id, (select balance from locked), (select id from src), (select id from dst)
        from (select 1) one left join ins on true`,
  );
}

async function keyExists(db: Db, key: string): Promise<boolean> {
  const [row] = await db
    .select({ id: transfers.id })
    .from(transfers)
    .where(eq(transfers.idempotencyKey, key));
  return row !== undefined;
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
    if (await keyExists(tx, input.key))
      return { transfer: await replayOf(tx, posting, original.id), replayed: true };
    if (amount <= 0n || amount > remaining) {
      throw new ReversalError(`transfer ${original.id} has ${remaining} left to reverse, not ${amount}`);
    }
    const posted = await postStatement(tx, posting, original.id);
    if (posted.transfer) return { transfer: posted.transfer, replayed: false };
    if (posted.shortOf !== undefined) {
      throw new InsufficientFundsError((from as { wallet: number }).wallet, posted.shortOf, amount);
    }
    return { transfer: await replayOf(tx, posting, original.id), replayed: true };
  });
}

async function refOf(db: Db, ledgerId: number): Promise<LedgerRef> {
  const [row] = await db.select().from(ledgerAccounts).where(eq(ledgerAccounts.id, ledgerId));
  if (!row) throw new ReversalError(`ledger account ${ledgerId} does not exist`);
  if (row.kind === 'wallet') return { wallet: row.accountId! };
  if (row.kind === 'receivable') return { receivable: row.accountId! };
  return { system: row.kind };
}

/** Through a prepared select per kind: a balance read is the hottest query of the app. */
const balanceStatements = {
  wallet: balanceStatement('wallet'),
  receivable: balanceStatement('receivable'),
};

function balanceStatement(kind: AccountLedgerKind) {
  return preparedRead<[balance: unknown], { accountId: number }>(
    sql`select balance from ledger_accounts where account_id = ${sql.placeholder('accountId')}::bigint
        and kind = ${sql.raw(`'${kind}'`)}`,
  );
}

async function cachedBalance(db: Db, accountId: number, kind: AccountLedgerKind): Promise<bigint> {
  const [row] = await balanceStatements[kind](db, { accountId });
  if (!row)
    throw new UnknownWalletError(kind === 'wallet' ? { wallet: accountId } : { receivable: accountId });
  return toBigInt(row[0]);
}

export function walletBalance(db: Db, accountId: number): Promise<bigint> {
  return cachedBalance(db, accountId, 'wallet');
}

/** Minus what the account owes (zero or below). */
export function receivableBalance(db: Db, accountId: number): Promise<bigint> {
  return cachedBalance(db, accountId, 'receivable');
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
    .where(and(eq(ledgerAccounts.accountId, accountId), eq(ledgerAccounts.kind, 'wallet')));
  if (!wallet) throw new UnknownWalletError({ wallet: accountId });
  const rows = await db
    .select()
    .from(transfers)
    .where(or(eq(transfers.fromLedgerId, wallet.id), eq(transfers.toLedgerId, wallet.id)))
    .orderBy(desc(transfers.id))
    .limit(limit);
  return rows.map((t) => ({ ...t, signedAmount: t.toLedgerId === wallet.id ? t.amount : -t.amount }));
}
