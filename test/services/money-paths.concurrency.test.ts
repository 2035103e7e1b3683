import { expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { codeBatches, codes, payments, quotes, refunds, transfers } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { postAdjustment } from '../../src/services/adjustments.js';
import { issueBalanceCodes } from '../../src/services/codes.js';
import { AlreadyDoneError } from '../../src/services/errors.js';
import { confirmPayment, refundPayment, startPayment } from '../../src/services/payments/payments.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { createQuote } from '../../src/services/quotes.js';
import { describePostgres } from '../support/db.js';
import { makeAccount } from '../support/fixtures.js';
import {
  adjustmentRequest,
  codesRequest,
  paymentRequest,
  quoteRequest,
  REQUEST_NOW,
} from '../support/requests.js';

const TWINS = 10;
const sandbox = (db: Db) => sandboxProvider(() => 'http://localhost:3000', db);

/** The same request sent TWINS times at once: how many went through, and every refusal was "already done". */
async function twins<T>(attempt: () => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(Array.from({ length: TWINS }, attempt));
  for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(AlreadyDoneError);
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

// Simultaneous twins need many connections: PostgreSQL only.
describePostgres('a request sent many times at once mints once', (t) => {
  it('codes issue: one batch of 11 codes, shown to one of the twins only', async () => {
    const shown = await twins(() =>
      issueBalanceCodes(t.db, codesRequest({ count: 11, requestId: 'trigger.twin' })),
    );
    expect(shown).toHaveLength(1);
    expect(await t.db.select().from(codeBatches)).toHaveLength(1);
    expect(await t.db.select().from(codes)).toHaveLength(11);
  });

  it('the Issue-code button twice at once, with one trigger or two: one code for the quote', async () => {
    const quote = await createQuote(t.db, quoteRequest());
    const click = (requestId: string) =>
      issueBalanceCodes(
        t.db,
        codesRequest({ amountCents: quote.totalCents, count: 1, quoteId: quote.id, requestId }),
      );
    const settled = await Promise.allSettled([
      ...Array.from({ length: TWINS }, () => click('trigger.click')),
      click('trigger.other-click'),
    ]);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const s of settled) {
      if (s.status === 'rejected') expect((s.reason as Error).message).toMatch(/already issued/);
    }
    expect(await t.db.select().from(codes)).toHaveLength(1);
  });

  it('quote: one quote, and the next request gets the next number', async () => {
    const request = (requestId: string) => createQuote(t.db, quoteRequest({ requestId }));
    expect(await twins(() => request('trigger.twin'))).toHaveLength(1);
    expect(await t.db.select().from(quotes)).toHaveLength(1);
    expect((await request('trigger.next')).number).toBe('Q-2026-0002');
  });

  it('adjust: one transfer', async () => {
    const acme = await makeAccount(t.db);
    const posted = await twins(() =>
      postAdjustment(t.db, adjustmentRequest(acme.id, { requestId: 'trigger.twin' })),
    );
    expect(posted).toHaveLength(1);
    expect(await t.db.select().from(transfers)).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(10_000n);
  });

  it('reload: one payment for the view, the same one for every twin', async () => {
    const acme = await makeAccount(t.db);
    const started = await twins(() =>
      startPayment(t.db, sandbox(t.db), paymentRequest(acme.id, { viewId: 'VTWIN' })),
    );
    expect(new Set(started.map((p) => p.id)).size).toBe(1);
    expect(await t.db.select().from(payments)).toHaveLength(1);
  });

  it('refund: one refund, one reversal', async () => {
    const acme = await makeAccount(t.db);
    const payment = await startPayment(t.db, sandbox(t.db), paymentRequest(acme.id, { viewId: 'VPAID' }));
    await confirmPayment(t.db, payment.id, {
      actor: 'sandbox',
      report: { provider: 'sandbox' },
      now: REQUEST_NOW,
      timeZone: 'UTC',
    });
    const refunded = await twins(() =>
      refundPayment(t.db, sandbox(t.db), {
        paymentId: payment.id,
        amountCents: 10_000n,
        requestKey: 'trigger.twin',
        actor: 'UFINANCE1',
        now: REQUEST_NOW,
        timeZone: 'UTC',
      }),
    );
    expect(new Set(refunded.map((r) => r.refund.id)).size).toBe(1);
    expect(await t.db.select().from(refunds)).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(110_050n);
  });
});
