import type { postAdjustment } from '../../src/services/adjustments.js';
import type { issueBalanceCodes } from '../../src/services/codes.js';
import type { startPayment } from '../../src/services/payments/payments.js';
import type { createQuote } from '../../src/services/quotes.js';

/** What the services that mint are asked, with the defaults the money-path tests share; `extra` changes any of it. */
export const REQUEST_NOW = new Date('2026-11-26T10:00:00Z');
export const REQUEST_SECRET = 'money-paths-secret-0123456789abcdef0123456';

export const codesRequest = (extra: Partial<Parameters<typeof issueBalanceCodes>[1]> = {}) => ({
  amountCents: 2_500n,
  currency: 'USD',
  count: 3,
  requestId: 'trigger.codes',
  actor: 'USALES1',
  now: REQUEST_NOW,
  secret: REQUEST_SECRET,
  ...extra,
});

export const quoteRequest = (extra: Partial<Parameters<typeof createQuote>[1]> = {}) => ({
  devices: 120,
  months: 24,
  planCode: 'plus',
  requestId: 'trigger.quote',
  actor: 'USALES1',
  now: REQUEST_NOW,
  timeZone: 'UTC',
  currency: 'USD',
  ...extra,
});

export const adjustmentRequest = (
  accountId: number,
  extra: Partial<Parameters<typeof postAdjustment>[1]> = {},
) => ({
  accountId,
  direction: 'credit' as const,
  amountCents: 10_000n,
  currency: 'USD',
  reason: 'goodwill',
  requestId: 'trigger.adjust',
  actor: 'UFINANCE1',
  now: REQUEST_NOW,
  timeZone: 'UTC',
  ...extra,
});

export const paymentRequest = (
  accountId: number,
  extra: Partial<Parameters<typeof startPayment>[2]> = {},
) => ({
  accountId,
  accountName: 'Acme',
  amountCents: 120_050n,
  currency: 'USD',
  description: null,
  viewId: 'VRELOAD1',
  requestedBy: 'UADMIN1',
  now: REQUEST_NOW,
  ...extra,
});
