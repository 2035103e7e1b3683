import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  IdempotencyConflictError,
  InsufficientFundsError,
  type LedgerRef,
  postTransfer,
  ReversalError,
  reverseTransfer,
  walletBalance,
} from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { describeDatabases, resetDatabase } from '../support/db.js';
import { makeAccount } from '../support/fixtures.js';

/** One step of a random session against the ledger; keys are drawn from a small pool so replays happen often. */
type Op =
  | { kind: 'credit' | 'debit'; wallet: number; amount: number; key: number }
  | { kind: 'reverse'; target: number; amount: number | null; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('credit' as const, 'debit' as const),
    wallet: fc.nat(2),
    amount: fc.integer({ min: 1, max: 5_000 }),
    key: fc.nat(11),
  }),
  fc.record({
    kind: fc.constant('reverse' as const),
    target: fc.nat(11),
    amount: fc.option(fc.integer({ min: 1, max: 5_000 })),
    key: fc.nat(11),
  }),
);

describeDatabases('ledger properties', (t) => {
  it('keeps every invariant verify checks, and refusals change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        await resetDatabase(t.db);
        const wallets = await Promise.all([0, 1, 2].map((i) => makeAccount(t.db, `W${i}`)));
        const model = wallets.map(() => 0n);
        /** What each key was first posted as, so a replay's expected outcome is known. */
        const posted = new Map<string, { wallet: number; sign: 1n | -1n; amount: bigint; id: number }>();
        const postedIds: number[] = [];

        for (const o of ops) {
          const before = await Promise.all(wallets.map((w) => walletBalance(t.db, w.id)));
          try {
            if (o.kind === 'reverse') {
              const transferId = postedIds[o.target % Math.max(postedIds.length, 1)];
              if (transferId === undefined) continue;
              const key = `rev:${o.key}`;
              const result = await reverseTransfer(t.db, {
                transferId,
                key,
                amount: o.amount === null ? undefined : BigInt(o.amount),
                actor: 'prop',
                memo: 'reversal',
              });
              if (!result.replayed) {
                const original = [...posted.values()].find((p) => p.id === transferId)!;
                model[original.wallet]! -= original.sign * result.transfer.amount;
              }
              continue;
            }
            const wallet: LedgerRef = { wallet: wallets[o.wallet]!.id };
            const system: LedgerRef = { system: 'adjustments' };
            const key = `${o.kind}:${o.key}`;
            const amount = BigInt(o.amount);
            const result = await postTransfer(t.db, {
              key,
              from: o.kind === 'credit' ? system : wallet,
              to: o.kind === 'credit' ? wallet : system,
              amount,
              actor: 'prop',
              memo: o.kind,
            });
            const prior = posted.get(key);
            expect(result.replayed).toBe(prior !== undefined);
            if (!prior) {
              const sign = o.kind === 'credit' ? 1n : -1n;
              posted.set(key, { wallet: o.wallet, sign, amount, id: result.transfer.id });
              postedIds.push(result.transfer.id);
              model[o.wallet]! += sign * amount;
            }
          } catch (err) {
            const expected =
              err instanceof InsufficientFundsError ||
              err instanceof IdempotencyConflictError ||
              err instanceof ReversalError;
            if (!expected) throw err;
            // A refusal leaves every wallet as it was.
            expect(await Promise.all(wallets.map((w) => walletBalance(t.db, w.id)))).toEqual(before);
          }
        }
        expect(await Promise.all(wallets.map((w) => walletBalance(t.db, w.id)))).toEqual(model);
        expect(model.every((b) => b >= 0n)).toBe(true);
        const report = await verifyLedger(t.db);
        expect(report.problems).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
});
