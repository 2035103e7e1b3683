// Every builder, fed the largest inputs the product allows, stays inside Block Kit's limits.
import { describe, expect, it } from 'vitest';
import { CUSTOM_MONTHS } from '../../../src/app/ids.js';
import type { HomeAccountModel, PlanChoice } from '../../../src/app/views.js';
import { estimate } from '../../../src/domain/pricing.js';
import { runway } from '../../../src/domain/runway.js';
import type { DeviceSource } from '../../../src/services/connectors.js';
import { blockKitProblems, viewProblems } from '../../../src/slack/limits.js';
import { noticeMessage, refusalMessage, usageErrorMessage } from '../../../src/slack/render/common.js';
import { devicesMessage } from '../../../src/slack/render/devices.js';
import { estimateMessage } from '../../../src/slack/render/estimate.js';
import { estimateModal } from '../../../src/slack/render/estimate-modal.js';
import { helpMessage } from '../../../src/slack/render/help.js';
import { historyMessage } from '../../../src/slack/render/history.js';
import { homeView } from '../../../src/slack/render/home-tab.js';
import { quoteMessage } from '../../../src/slack/render/quote.js';
import { statusMessage } from '../../../src/slack/render/status.js';
import { NOW, summaryOf } from './fixtures.js';

// Hard mode: a 3-decimal currency, a far-east zone, escaping that multiplies length by five.
const format = { currency: 'BHD', timeZone: 'Pacific/Kiritimati' };
const longName = '&<>'.repeat(27).slice(0, 80);
const hugePlan: PlanChoice = {
  code: 'enterprise-plus-with-long-code-x',
  name: longName,
  priceCents: 999_999_999_999n,
};
const biggest = estimate(1_000_000, 36, hugePlan.priceCents);
const memo = '<!channel>&'.repeat(19).slice(0, 200);

/** A Jamf Pro connection at its longest: a 255-character instance and a long failure reason. */
const LONG_SOURCE: DeviceSource = {
  reading: { count: 1_000_000, source: 'jamf', by: `jamf:${'a'.repeat(240)}.com`, at: NOW },
  jamf: {
    url: `https://${'a'.repeat(240)}.com`,
    lastSyncAt: NOW,
    failing: { since: NOW, failures: 1_000, reason: '<!channel> failed '.repeat(200) },
  },
};

function homeAccount(i: number): HomeAccountModel {
  const summary = summaryOf({
    account: { id: i, name: `${longName.slice(0, 76)}${i}`, alertThresholdTenths: 30 },
    plan: hugePlan,
    balanceCents: 999_999_999_999_999n,
    devices: 1_000_000,
    coveredDevices: 1,
  });
  return {
    summary,
    source: LONG_SOURCE,
    invoices: Array.from({ length: 3 }, (_, n) => ({
      format: { currency: 'USD', timeZone: 'UTC' },
      number: `INV-2026-${String(99_990 + n)}`,
      accountName: summary.account.name,
      month: `2026-0${n + 1}`,
      planName: hugePlan.name,
      unitPriceCents: hugePlan.priceCents,
      billedDevices: 1_000_000,
      coveredDevices: 1,
      billableDevices: 999_999,
      chargeCents: 999_999_999_999_999n,
      paidFromBalanceCents: 1n,
      amountDueCents: 999_999_999_999_998n,
      outstandingCents: 999_999_999_999_998n,
      status: 'due' as const,
      createdAt: new Date('2026-11-01T00:00:00Z'),
    })),
    recent: Array.from({ length: 5 }, (_, t) => ({
      id: t,
      at: NOW,
      signedAmount: -999_999_999_999n,
      memo,
      actor: 'U0ADMIN1',
    })),
  };
}

describe('builders with the largest inputs', () => {
  it('estimate with an account and both buttons', () => {
    const message = estimateMessage({
      format,
      plan: hugePlan,
      estimate: estimate(1_000_000, 120, hugePlan.priceCents),
      account: {
        name: longName,
        balanceCents: 5n,
        monthlyCents: biggest.monthlyCents,
        runway: runway(5n, biggest.monthlyCents, NOW, format.timeZone),
        reloadCents: biggest.totalCents,
      },
      actions: { shareAsQuote: true, reload: true },
    });
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('quote with a 5,000-character customer', () => {
    const message = quoteMessage({
      format,
      quoteId: 2_147_483_647,
      number: 'Q-2026-9999',
      customer: '<@U1>&'.repeat(834).slice(0, 5000),
      plan: hugePlan,
      estimate: biggest,
      validUntil: NOW,
      createdBy: 'U0SALES1',
      canIssueCode: true,
    });
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('status of an account with an 80-character name, low and covered', () => {
    const summary = summaryOf({
      account: { name: longName },
      plan: hugePlan,
      balanceCents: 1n,
      coveredDevices: 5,
    });
    expect(blockKitProblems(statusMessage({ format, summary, source: LONG_SOURCE }))).toEqual([]);
  });

  it('devices with 10,000 readings', () => {
    const readings = Array.from({ length: 10_000 }, (_, i) => ({
      count: 1_000_000 - i,
      at: new Date(NOW.getTime() - i * 1000),
      by: i % 2 === 0 ? 'U0ADMIN1' : '<!channel>'.repeat(10),
      source: (['manual', 'api', 'jamf'] as const)[i % 3]!,
    }));
    const message = devicesMessage({
      format,
      accountName: longName,
      current: 1_000_000,
      month: '2026-12',
      carriedIn: { count: 999_999, at: NOW, by: 'W0ENTERPRISE', source: 'manual' },
      readings,
      billedCount: 1_000_000,
      recorded: 1_000_000,
      source: LONG_SOURCE,
    });
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('history with 50 transfers of 200-character memos (and more offered than allowed)', () => {
    const transfers = Array.from({ length: 60 }, (_, i) => ({
      id: i,
      at: NOW,
      signedAmount: i % 2 === 0 ? 999_999_999_999n : -999_999_999_999n,
      memo,
      actor: 'U0ADMIN1',
    }));
    const message = historyMessage({
      format,
      accountName: longName,
      balanceCents: 999_999_999_999n,
      transfers,
    });
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('help with every subcommand and long descriptions', () => {
    const commands = Array.from({ length: 100 }, (_, i) => ({
      usage: `codes issue <amount> [x<count>] [expires <YYYY-MM-DD>] [<note…>] ${i}`,
      description: '<&>'.repeat(100),
    }));
    expect(blockKitProblems(helpMessage({ commands }))).toEqual([]);
  });

  it('common messages with long text', () => {
    const long = '<!channel>&'.repeat(1000);
    expect(blockKitProblems(refusalMessage(long))).toEqual([]);
    expect(blockKitProblems(usageErrorMessage(long, long))).toEqual([]);
    expect(blockKitProblems(noticeMessage('x'.repeat(10_000)))).toEqual([]);
  });

  it('Home with 50 accounts in full and a picker of 50', () => {
    const accounts = Array.from({ length: 50 }, (_, i) => homeAccount(i + 1));
    const options = accounts.map((a) => ({ id: a.summary.account.id, name: a.summary.account.name }));
    expect(viewProblems(homeView({ format, accounts, picker: null }))).toEqual([]);
    expect(viewProblems(homeView({ format, accounts, picker: { options, selectedId: 50 } }))).toEqual([]);
  });

  it('Home with 1,000 accounts and a picker of 1,000', () => {
    const accounts = Array.from({ length: 1000 }, (_, i) => homeAccount(i + 1));
    const options = accounts.map((a) => ({ id: a.summary.account.id, name: a.summary.account.name }));
    expect(viewProblems(homeView({ format, accounts, picker: { options, selectedId: 999 } }))).toEqual([]);
  });

  it('the Estimate modal with a custom duration and 3,000 characters of metadata', () => {
    const view = estimateModal({
      format,
      plans: [hugePlan, { code: 'standard', name: 'Standard', priceCents: 200n }],
      devices: 1_000_000,
      monthsChoice: CUSTOM_MONTHS,
      customMonths: 120,
      planCode: hugePlan.code,
      estimate: estimate(1_000_000, 120, hugePlan.priceCents),
      privateMetadata: 'm'.repeat(3000),
    });
    expect(viewProblems(view)).toEqual([]);
  });
});
