import { expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { codeBatches, codes, payments, refunds, transfers } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { postAdjustment } from '../../src/services/adjustments.js';
import { issueBalanceCodes } from '../../src/services/codes.js';
import { AlreadyDoneError, RequestConflictError } from '../../src/services/errors.js';
import { AmountLimitError } from '../../src/services/limits.js';
import { confirmPayment, refundPayment, startPayment } from '../../src/services/payments/payments.js';
import type { PaymentProvider } from '../../src/services/payments/provider.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { createQuote } from '../../src/services/quotes.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { makeAccount } from '../support/fixtures.js';
import {
  adjustmentRequest,
  codesRequest,
  paymentRequest,
  quoteRequest,
  REQUEST_NOW,
} from '../support/requests.js';

const CODE = /BAL-(?:[0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]/;
const LIMIT = '$10,000,000.00';

/** The sandbox provider, counting its refunds. */
function countingProvider(db: Db): PaymentProvider & { refunds: number } {
  const sandbox = sandboxProvider(() => 'http://localhost:3000', db);
  const provider = {
    ...sandbox,
    refunds: 0,
    refund: async (input: Parameters<PaymentProvider['refund']>[0]) => {
      provider.refunds += 1;
      return sandbox.refund(input);
    },
  };
  return provider;
}

describeDatabases('limits and idempotency on every path to money (services)', (t) => {
  /** Runs `attempt`, which must be refused with `error` (its message matching), and proves nothing was written. */
  const refusesWritingNothing = async (
    attempt: () => Promise<unknown>,
    error: new (...args: never[]) => Error,
    message: RegExp | string,
  ) => {
    const before = await tableCounts(t.db);
    const refusal = await attempt().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(error);
    expect((refusal as Error).message).toMatch(message);
    expect(await tableCounts(t.db)).toEqual(before);
    return refusal as Error;
  };

  it('a code, a quote, a reload and an adjustment over $10,000,000.00 are refused, naming the limit', async () => {
    const acme = await makeAccount(t.db, 'Acme', 'plus');
    await refusesWritingNothing(
      () => issueBalanceCodes(t.db, codesRequest({ amountCents: 1_000_000_001n })),
      AmountLimitError,
      `A balance code ($10,000,000.01) is over the limit: amounts go up to ${LIMIT}.`,
    );
    await refusesWritingNothing(
      () => createQuote(t.db, quoteRequest({ devices: 1_000_000, months: 120 })),
      AmountLimitError,
      `A quote of 1,000,000 devices × 120 months on Plus ($480,000,000.00) is over the limit: amounts go up to ${LIMIT}.`,
    );
    await refusesWritingNothing(
      () =>
        startPayment(
          t.db,
          countingProvider(t.db),
          paymentRequest(acme.id, {
            amountCents: 48_000_000_000n,
            description: '1,000,000 devices × 120 months on Plus',
          }),
        ),
      AmountLimitError,
      `A reload of 1,000,000 devices × 120 months on Plus ($480,000,000.00) is over the limit: amounts go up to ${LIMIT}.`,
    );
    await refusesWritingNothing(
      () => postAdjustment(t.db, adjustmentRequest(acme.id, { amountCents: 1_000_000_001n })),
      AmountLimitError,
      `An adjustment ($10,000,000.01) is over the limit: amounts go up to ${LIMIT}.`,
    );
    await refusesWritingNothing(
      () => postAdjustment(t.db, adjustmentRequest(acme.id, { amountCents: 99n })),
      AmountLimitError,
      'An adjustment ($0.99) is under the limit: amounts start at $1.00.',
    );
    // The limit itself is allowed.
    await issueBalanceCodes(t.db, codesRequest({ amountCents: 1_000_000_000n, count: 1 }));
    expect(await t.db.select().from(codes)).toHaveLength(1);
  });

  it('codes: a replayed request issues nothing and shows no code; other arguments under its id are refused', async () => {
    const issued = await issueBalanceCodes(t.db, codesRequest());
    expect(issued).toHaveLength(3);
    const replay = await refusesWritingNothing(
      () => issueBalanceCodes(t.db, codesRequest()),
      AlreadyDoneError,
      'The 3 codes of $25.00 for this request were already issued and shown once; they are not shown again.',
    );
    expect(replay.message).not.toMatch(CODE);
    for (const other of [{ amountCents: 2_600n }, { count: 4 }, { actor: 'USALES2' }, { note: 'x' }]) {
      await refusesWritingNothing(
        () => issueBalanceCodes(t.db, codesRequest(other)),
        RequestConflictError,
        'already used to issue other codes',
      );
    }
    expect(await t.db.select().from(codeBatches)).toHaveLength(1);
    expect(await t.db.select().from(codes)).toHaveLength(3);
  });

  it('quotes: a replay makes no quote and takes no number; other arguments under its id are refused', async () => {
    const first = await createQuote(t.db, quoteRequest());
    expect(first.number).toBe('Q-2026-0001');
    await refusesWritingNothing(
      () => createQuote(t.db, quoteRequest()),
      AlreadyDoneError,
      'This request already made quote Q-2026-0001.',
    );
    for (const other of [
      { devices: 121 },
      { planCode: 'standard' },
      { actor: 'USALES2' },
      { customer: 'Globex' },
    ]) {
      await refusesWritingNothing(
        () => createQuote(t.db, quoteRequest(other)),
        RequestConflictError,
        'already used for another quote',
      );
    }
    // The numbers stay gapless: the refused requests took none.
    expect((await createQuote(t.db, quoteRequest({ requestId: 'trigger.next' }))).number).toBe('Q-2026-0002');
  });

  it('adjustments: a replay posts nothing; another amount, direction, user or reason under its id is refused', async () => {
    const acme = await makeAccount(t.db);
    await postAdjustment(t.db, adjustmentRequest(acme.id));
    await refusesWritingNothing(
      () => postAdjustment(t.db, adjustmentRequest(acme.id)),
      AlreadyDoneError,
      'already posted for this request',
    );
    const other = await makeAccount(t.db);
    for (const changed of [
      { amountCents: 10_001n },
      { direction: 'debit' as const },
      { accountId: other.id },
      { actor: 'UFINANCE2' },
      { reason: 'another reason' },
    ]) {
      await refusesWritingNothing(
        () => postAdjustment(t.db, adjustmentRequest(acme.id, changed)),
        RequestConflictError,
        'already used for another adjustment',
      );
    }
    expect(await walletBalance(t.db, acme.id)).toBe(10_000n);
  });

  it('payments: a resubmitted view finds its payment; another user, account or amount on that view id is refused', async () => {
    const acme = await makeAccount(t.db);
    const globex = await makeAccount(t.db);
    const provider = countingProvider(t.db);
    const first = await startPayment(t.db, provider, paymentRequest(acme.id));
    expect((await startPayment(t.db, provider, paymentRequest(acme.id))).id).toBe(first.id);
    for (const changed of [
      paymentRequest(globex.id, { requestedBy: 'UOTHERADMIN' }),
      paymentRequest(acme.id, { requestedBy: 'UOTHERADMIN' }),
      paymentRequest(globex.id),
      paymentRequest(acme.id, { amountCents: 120_051n }),
    ]) {
      const refusal = await refusesWritingNothing(
        () => startPayment(t.db, provider, changed),
        RequestConflictError,
        'This Reload form was already used for another payment.',
      );
      expect(refusal.message).not.toContain(first.id);
    }
    expect(await t.db.select().from(payments)).toHaveLength(1);
  });

  it('refunds: a retried request refunds once; another payment, amount or user under its id is refused', async () => {
    const acme = await makeAccount(t.db);
    const provider = countingProvider(t.db);
    const paid = async (viewId: string) => {
      const payment = await startPayment(t.db, provider, paymentRequest(acme.id, { viewId }));
      await confirmPayment(t.db, payment.id, {
        actor: 'sandbox',
        report: { provider: 'sandbox' },
        now: REQUEST_NOW,
        timeZone: 'UTC',
      });
      return payment;
    };
    const payment = await paid('V1');
    const another = await paid('V2');
    const refund = (extra: Partial<Parameters<typeof refundPayment>[2]> = {}) =>
      refundPayment(t.db, provider, {
        paymentId: payment.id,
        amountCents: 10_000n,
        requestKey: 'trigger.refund',
        actor: 'UFINANCE1',
        now: REQUEST_NOW,
        timeZone: 'UTC',
        ...extra,
      });
    const first = await refund();
    expect((await refund()).refund.id).toBe(first.refund.id);
    for (const changed of [{ paymentId: another.id }, { amountCents: 10_001n }, { actor: 'UFINANCE2' }]) {
      await refusesWritingNothing(
        () => refund(changed),
        RequestConflictError,
        'already used for another refund',
      );
    }
    expect(provider.refunds).toBe(1);
    expect(await t.db.select().from(refunds)).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(2n * 120_050n - 10_000n);
    expect((await t.db.select().from(transfers)).length).toBe(3);
  });
});
