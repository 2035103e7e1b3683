import { CUSTOM_MONTHS } from '../../src/app/ids.js';
import type { HomeModel, MessageModel, ModalModel } from '../../src/app/views.js';
import { estimate } from '../../src/domain/pricing.js';
import { runway } from '../../src/domain/runway.js';
import { NO_SOURCE, NOW, PLUS, STANDARD, summaryOf, USD } from '../slack/render/fixtures.js';

/** What the use cases return, as the shell gets it: view models, which it renders through the app's real renderers. */

const twentyFive = estimate(25, 12, STANDARD.priceCents);

export const ESTIMATE_REPLY: MessageModel = {
  kind: 'estimate',
  model: {
    format: USD,
    plan: STANDARD,
    estimate: twentyFive,
    account: {
      name: 'Acme',
      balanceCents: 125_000n,
      monthlyCents: 5_000n,
      runway: runway(125_000n, 5_000n, NOW, 'UTC'),
      reloadCents: 0n,
    },
    actions: { shareAsQuote: true, reload: true },
  },
};

export const QUOTE_REPLY: MessageModel = {
  kind: 'quote',
  model: {
    format: USD,
    quoteId: 17,
    number: 'Q-2026-0001',
    customer: 'Acme',
    plan: STANDARD,
    estimate: twentyFive,
    validUntil: new Date('2027-01-09T00:00:00Z'),
    createdBy: 'U1',
    canIssueCode: true,
  },
};

/** The Estimate modal as a user fills it: `custom` shows the custom months input; a total once devices are in. */
export function estimateModalModel(
  options: { custom?: boolean; devices?: number; months?: number } = {},
): ModalModel {
  const months = options.months ?? 12;
  return {
    kind: 'estimate_modal',
    model: {
      format: USD,
      plans: [STANDARD, PLUS],
      devices: options.devices ?? null,
      monthsChoice: options.custom ? CUSTOM_MONTHS : '12',
      customMonths: options.custom ? months : null,
      planCode: STANDARD.code,
      estimate: options.devices ? estimate(options.devices, months, STANDARD.priceCents) : null,
      privateMetadata: '{"channel":"C1"}',
    },
  };
}

export function redeemModalModel(): ModalModel {
  return { kind: 'redeem_modal', model: { accountName: 'Acme', privateMetadata: '' } };
}

export function payStepModel(): ModalModel {
  return {
    kind: 'pay_step',
    model: {
      format: USD,
      accountName: 'Acme',
      amountCents: 60_000n,
      description: '25 devices × 12 months on Standard',
      provider: 'sandbox',
      checkoutUrl: 'https://pay.test/1',
      expiresAt: new Date('2026-12-11T15:00:00Z'),
      paymentId: 'pay_1',
    },
  };
}

export const HOME_MODEL: HomeModel = {
  format: USD,
  accounts: [
    {
      summary: summaryOf({ balanceCents: 125_000n, devices: 25, plan: STANDARD }),
      source: NO_SOURCE,
      recent: [],
      invoices: [],
    },
  ],
  picker: null,
};
