import { describe, expect, it } from 'vitest';
import {
  disagreements,
  isPaymentId,
  newPaymentId,
  type Payment,
  sandboxCheckoutEnded,
} from '../../src/services/payments/payments.js';

const payment = (more: Partial<Payment> = {}): Payment => ({
  id: 'pay_0123456789ABCDEF',
  accountId: 1,
  amountCents: 12_345n,
  currency: 'USD',
  status: 'pending',
  provider: 'stripe',
  description: null,
  viewId: 'V1',
  checkoutUrl: 'https://checkout.stripe.test/x',
  providerRef: 'cs_test_1',
  providerPaymentRef: null,
  requestedBy: 'U1',
  createdAt: new Date('2026-11-26T10:00:00Z'),
  expiresAt: new Date('2026-11-27T10:00:00Z'),
  completedAt: null,
  transferId: null,
  saveCard: false,
  ...more,
});
const stripe = { provider: 'stripe' as const, sessionId: 'cs_test_1', amountCents: 12_345n, currency: 'usd' };

describe('payment ids', () => {
  it('are exactly what newPaymentId makes', () => {
    for (let i = 0; i < 100; i++) expect(isPaymentId(newPaymentId())).toBe(true);
    for (const text of [
      '',
      'pay_',
      'pay_0123456789ABCDE',
      'pay_0123456789ABCDEFG',
      'pay_0123456789abcdef',
      'pay_0123456789ABCDEI', // I, L, O and U are not Crockford characters
      'pay_0123456789ABCDE\u0000',
      ' pay_0123456789ABCDEF',
      'pay_0123456789ABCDEF\n',
    ])
      expect(isPaymentId(text), JSON.stringify(text)).toBe(false);
  });
});

describe("a provider's report against the stored payment", () => {
  it('agrees when provider, session, amount and currency (in any case) match', () => {
    expect(disagreements(payment(), stripe)).toEqual([]);
    expect(disagreements(payment({ provider: 'sandbox' }), { provider: 'sandbox' })).toEqual([]);
  });

  it('names each field that differs; a missing amount or currency differs', () => {
    expect(disagreements(payment(), { ...stripe, amountCents: 12_346n })).toEqual(['amount']);
    expect(disagreements(payment(), { ...stripe, amountCents: null, currency: null })).toEqual([
      'amount',
      'currency',
    ]);
    expect(disagreements(payment(), { ...stripe, sessionId: 'cs_test_2', currency: 'eur' })).toEqual([
      'session id',
      'currency',
    ]);
    expect(disagreements(payment({ providerRef: null }), stripe)).toEqual(['session id']);
  });

  it('refuses a report from another provider whatever else it says', () => {
    expect(disagreements(payment({ provider: 'sandbox' }), stripe)).toEqual(['provider']);
    expect(disagreements(payment(), { provider: 'sandbox' })).toEqual(['provider']);
  });
});

describe('the sandbox checkout', () => {
  const at = (iso: string) => new Date(iso);
  it('ends at expires_at, or when the payment was marked expired', () => {
    expect(sandboxCheckoutEnded(payment(), at('2026-11-27T09:59:59Z'))).toBe(false);
    expect(sandboxCheckoutEnded(payment(), at('2026-11-27T10:00:00Z'))).toBe(true);
    expect(sandboxCheckoutEnded(payment({ status: 'expired' }), at('2026-11-26T11:00:00Z'))).toBe(true);
    expect(sandboxCheckoutEnded(payment({ status: 'paid' }), at('2026-12-01T00:00:00Z'))).toBe(false);
  });
});
