import { expect, it } from 'vitest';
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

const SECRET = 'twins-secret-0123456789abcdef0123456789abc';
const NOW = new Date('2026-11-26T10:00:00Z');
const TWINS = 10;
const provider = sandboxProvider(() => 'http://localhost:3000');

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
      issueBalanceCodes(t.db, {
        amountCents: 2_500n,
        currency: 'USD',
        count: 11,
        requestId: 'trigger.twin',
        actor: 'USALES1',
        now: NOW,
        secret: SECRET,
      }),
    );
    expect(shown).toHaveLength(1);
    expect(await t.db.select().from(codeBatches)).toHaveLength(1);
    expect(await t.db.select().from(codes)).toHaveLength(11);
  });

  it('the Issue-code button twice at once, with one trigger or two: one code for the quote', async () => {
    const quote = await createQuote(t.db, {
      devices: 120,
      months: 24,
      planCode: 'plus',
      requestId: 'trigger.quote',
      actor: 'USALES1',
      now: NOW,
      timeZone: 'UTC',
      currency: 'USD',
    });
    const click = (requestId: string) =>
      issueBalanceCodes(t.db, {
        amountCents: quote.totalCents,
        currency: 'USD',
        count: 1,
        quoteId: quote.id,
        note: `for ${quote.number}`,
        requestId,
        actor: 'USALES1',
        now: NOW,
        secret: SECRET,
      });
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
    const request = (requestId: string) =>
      createQuote(t.db, {
        devices: 120,
        months: 24,
        planCode: 'plus',
        requestId,
        actor: 'USALES1',
        now: NOW,
        timeZone: 'UTC',
        currency: 'USD',
      });
    expect(await twins(() => request('trigger.twin'))).toHaveLength(1);
    expect(await t.db.select().from(quotes)).toHaveLength(1);
    expect((await request('trigger.next')).number).toBe('Q-2026-0002');
  });

  it('adjust: one transfer', async () => {
    const acme = await makeAccount(t.db);
    const posted = await twins(() =>
      postAdjustment(t.db, {
        accountId: acme.id,
        direction: 'credit',
        amountCents: 10_000n,
        currency: 'USD',
        reason: 'goodwill',
        requestId: 'trigger.twin',
        actor: 'UFINANCE1',
        now: NOW,
      }),
    );
    expect(posted).toHaveLength(1);
    expect(await t.db.select().from(transfers)).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(10_000n);
  });

  it('reload: one payment for the view, the same one for every twin', async () => {
    const acme = await makeAccount(t.db);
    const started = await twins(() =>
      startPayment(t.db, provider, {
        accountId: acme.id,
        accountName: acme.name,
        amountCents: 120_050n,
        currency: 'USD',
        description: null,
        viewId: 'VTWIN',
        requestedBy: 'UADMIN1',
        now: NOW,
      }),
    );
    expect(new Set(started.map((p) => p.id)).size).toBe(1);
    expect(await t.db.select().from(payments)).toHaveLength(1);
  });

  it('refund: one refund, one reversal', async () => {
    const acme = await makeAccount(t.db);
    const payment = await startPayment(t.db, provider, {
      accountId: acme.id,
      accountName: acme.name,
      amountCents: 120_050n,
      currency: 'USD',
      description: null,
      viewId: 'VPAID',
      requestedBy: 'UADMIN1',
      now: NOW,
    });
    await confirmPayment(t.db, payment.id, { actor: 'sandbox', now: NOW });
    const refunded = await twins(() =>
      refundPayment(t.db, provider, {
        paymentId: payment.id,
        amountCents: 10_000n,
        requestKey: 'trigger.twin',
        actor: 'UFINANCE1',
        now: NOW,
      }),
    );
    expect(new Set(refunded.map((r) => r.refund.id)).size).toBe(1);
    expect(await t.db.select().from(refunds)).toHaveLength(1);
    expect(await walletBalance(t.db, acme.id)).toBe(110_050n);
  });
});
