import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { pgErrorCode } from '../../src/db/client.js';
import { transfers } from '../../src/db/schema.js';
import {
  IdempotencyConflictError,
  InsufficientFundsError,
  postTransfer,
  ReversalError,
  reverseTransfer,
  walletBalance,
  walletHistory,
} from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { describeDatabases } from '../support/db.js';
import { fund, makeAccount, spend } from '../support/fixtures.js';

describeDatabases('ledger', (t) => {
  const usage = (accountId: number, amount: bigint, key: string) => spend(t.db, accountId, amount, key);

  it('credits a wallet and records who and why', async () => {
    const acme = await makeAccount(t.db);
    const { transfer, replayed } = await postTransfer(t.db, {
      key: 'reload:pay_1',
      from: { system: 'payments' },
      to: { wallet: acme.id },
      amount: 576_000n,
      actor: 'U123',
      memo: 'card reload',
    });
    expect(replayed).toBe(false);
    expect(transfer).toMatchObject({
      amount: 576_000n,
      actor: 'U123',
      memo: 'card reload',
      idempotencyKey: 'reload:pay_1',
    });
    expect(await walletBalance(t.db, acme.id)).toBe(576_000n);
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });

  it('refuses a debit beyond the balance, naming the balance, and writes nothing', async () => {
    const acme = await makeAccount(t.db);
    await fund(t.db, acme.id, 1_000n);
    const refusal = await usage(acme.id, 1_001n, 'usage:1:2026-10').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(InsufficientFundsError);
    expect((refusal as InsufficientFundsError).balance).toBe(1_000n);
    expect(await walletBalance(t.db, acme.id)).toBe(1_000n);
    expect(
      await t.db.select().from(transfers).where(eq(transfers.idempotencyKey, 'usage:1:2026-10')),
    ).toEqual([]);
  });

  it('debits down to exactly zero', async () => {
    const acme = await makeAccount(t.db);
    await fund(t.db, acme.id, 1_000n);
    await usage(acme.id, 1_000n, 'usage:a');
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
  });

  it('returns the first transfer when a key is posted again with the same values', async () => {
    const acme = await makeAccount(t.db);
    const first = await fund(t.db, acme.id, 500n, 'redeem:7');
    const again = await fund(t.db, acme.id, 500n, 'redeem:7');
    expect(again.replayed).toBe(true);
    expect(again.transfer.id).toBe(first.transfer.id);
    expect(await walletBalance(t.db, acme.id)).toBe(500n);
  });

  it('refuses a key posted again with a different amount or wallet', async () => {
    const acme = await makeAccount(t.db);
    const other = await makeAccount(t.db);
    await fund(t.db, acme.id, 500n, 'redeem:7');
    await expect(fund(t.db, acme.id, 501n, 'redeem:7')).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(fund(t.db, other.id, 500n, 'redeem:7')).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await walletBalance(t.db, acme.id)).toBe(500n);
    expect(await walletBalance(t.db, other.id)).toBe(0n);
  });

  it('refuses amounts that are not positive', async () => {
    const acme = await makeAccount(t.db);
    for (const amount of [0n, -5n]) {
      await expect(fund(t.db, acme.id, amount)).rejects.toThrow(/positive/);
    }
    expect(await t.db.select().from(transfers)).toEqual([]);
  });

  it('reverses in part and in full, never beyond the original', async () => {
    const acme = await makeAccount(t.db);
    const { transfer } = await fund(t.db, acme.id, 10_000n);
    const part = await reverseTransfer(t.db, {
      transferId: transfer.id,
      key: 'refund:r1',
      amount: 4_000n,
      actor: 'U9',
      memo: 'partial refund',
    });
    expect(part.transfer).toMatchObject({ reversesId: transfer.id, amount: 4_000n });
    await expect(
      reverseTransfer(t.db, {
        transferId: transfer.id,
        key: 'refund:r2',
        amount: 6_001n,
        actor: 'U9',
        memo: 'too much',
      }),
    ).rejects.toBeInstanceOf(ReversalError);
    const rest = await reverseTransfer(t.db, {
      transferId: transfer.id,
      key: 'refund:r3',
      actor: 'U9',
      memo: 'the rest',
    });
    expect(rest.transfer.amount).toBe(6_000n);
    const replay = await reverseTransfer(t.db, {
      transferId: transfer.id,
      key: 'refund:r3',
      actor: 'U9',
      memo: 'the rest',
    });
    expect(replay).toMatchObject({ replayed: true, transfer: { id: rest.transfer.id } });
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });

  it('gives back what a reversed reversal took: a refused refund can be refunded again later', async () => {
    const acme = await makeAccount(t.db);
    const { transfer } = await fund(t.db, acme.id, 10_000n);
    const refund = await reverseTransfer(t.db, {
      transferId: transfer.id,
      key: 'refund:1',
      actor: 'U9',
      memo: 'refund',
    });
    await reverseTransfer(t.db, {
      transferId: refund.transfer.id,
      key: 'refund-failed:1',
      actor: 'system',
      memo: 'provider refused',
    });
    expect(await walletBalance(t.db, acme.id)).toBe(10_000n);
    const again = await reverseTransfer(t.db, {
      transferId: transfer.id,
      key: 'refund:2',
      actor: 'U9',
      memo: 'refund',
    });
    expect(again.transfer.amount).toBe(10_000n);
    await expect(
      reverseTransfer(t.db, {
        transferId: transfer.id,
        key: 'refund:3',
        amount: 1n,
        actor: 'U9',
        memo: 'more',
      }),
    ).rejects.toBeInstanceOf(ReversalError);
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
  });

  it('refuses a reversal the wallet cannot pay back', async () => {
    const acme = await makeAccount(t.db);
    const { transfer } = await fund(t.db, acme.id, 10_000n);
    await usage(acme.id, 9_000n, 'usage:x');
    await expect(
      reverseTransfer(t.db, { transferId: transfer.id, key: 'refund:r', actor: 'U9', memo: 'refund' }),
    ).rejects.toBeInstanceOf(InsufficientFundsError);
    expect(await walletBalance(t.db, acme.id)).toBe(1_000n);
  });

  it('lists the wallet history newest first with signed amounts', async () => {
    const acme = await makeAccount(t.db);
    await fund(t.db, acme.id, 10_000n);
    await usage(acme.id, 2_500n, 'usage:h');
    const history = await walletHistory(t.db, acme.id, 10);
    expect(history.map((h) => h.signedAmount)).toEqual([-2_500n, 10_000n]);
  });

  it('keeps transfers append-only and wallets non-negative in the database itself', async () => {
    const acme = await makeAccount(t.db);
    await fund(t.db, acme.id, 100n);
    const update = await t.db.execute(sql`update transfers set amount = 1`).catch((e: unknown) => e);
    expect(pgErrorCode(update)).toBe('23001');
    const del = await t.db.execute(sql`delete from transfers`).catch((e: unknown) => e);
    expect(pgErrorCode(del)).toBe('23001');
    const negative = await t.db
      .execute(sql`update ledger_accounts set balance = -1 where kind = 'wallet'`)
      .catch((e: unknown) => e);
    expect(pgErrorCode(negative)).toBe('23514');
    expect(await walletBalance(t.db, acme.id)).toBe(100n);
  });

  it('verify names a wallet whose cached balance was tampered with', async () => {
    t.expectBrokenLedger();
    const acme = await makeAccount(t.db, 'Tampered Inc');
    await fund(t.db, acme.id, 100n);
    await t.db.execute(sql`update ledger_accounts set balance = 150 where kind = 'wallet'`);
    const report = await verifyLedger(t.db);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'wallet of "Tampered Inc" (ledger account 8): cached balance 150 ≠ sum of its transfers 100',
      'the balances of all ledger accounts add up to 50, not 0',
    ]);
  });
});
