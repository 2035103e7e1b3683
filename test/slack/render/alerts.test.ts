import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/app/ids.js';
import type { LowBalanceAlertModel } from '../../../src/app/views.js';
import { runway } from '../../../src/domain/runway.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import { alertResolvedMessage, lowBalanceAlertMessage } from '../../../src/slack/render/alerts.js';
import { blockTexts, buttons, DANGEROUS, everything, NOW, USD } from './fixtures.js';

function alert(overrides: Partial<LowBalanceAlertModel> = {}): LowBalanceAlertModel {
  // $200.00 against $480.00 a month: 0.4 months, runs out 12 days after Dec 10 (31-day month × 0.4166 → 12).
  return {
    format: USD,
    accountId: 7,
    accountName: 'Acme',
    state: 'low',
    balanceCents: 20_000n,
    monthlyCents: 48_000n,
    runway: runway(20_000n, 48_000n, NOW, 'UTC'),
    thresholdTenths: 10,
    ...overrides,
  };
}

describe('lowBalanceAlertMessage', () => {
  it('says how low the balance is and how long it lasts', () => {
    const message = lowBalanceAlertMessage(alert());
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toMatch(
      /^⚠️ \*Acme\* is running low: \$200\.00 left, about 0\.4 months at \$480\.00 a month \(runs out <!date\^\d+\^\{date_short_pretty\}\|2026-12-22>\)\. Alerts start below 1\.0 month\.$/m,
    );
    expect(message.text).toBe(
      '⚠️ Acme is running low: $200.00 left, about 0.4 months at $480.00 a month (runs out 2026-12-22). Alerts start below 1.0 month.',
    );
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('says when the balance is empty', () => {
    const message = lowBalanceAlertMessage(
      alert({ state: 'empty', balanceCents: 0n, runway: runway(0n, 48_000n, NOW, 'UTC') }),
    );
    expect(blockTexts(message.blocks ?? [])).toContain(
      "🚨 *Acme*'s balance is empty: the next monthly bill ($480.00) will be due in full.",
    );
    expect(message.text).toBe(
      "🚨 Acme's balance is empty: the next monthly bill ($480.00) will be due in full.",
    );
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('has Reload (primary) and Estimate buttons for the account', () => {
    for (const state of ['low', 'empty'] as const) {
      const found = buttons(lowBalanceAlertMessage(alert({ state, accountId: 42 })).blocks ?? []);
      expect(found).toEqual([
        expect.objectContaining({
          action_id: ACTION.alertReload,
          value: '42',
          style: 'primary',
          text: expect.objectContaining({ text: 'Reload' }),
        }),
        expect.objectContaining({
          action_id: ACTION.alertEstimate,
          value: '42',
          text: expect.objectContaining({ text: 'Estimate' }),
        }),
      ]);
      expect(found[1]).not.toHaveProperty('style');
    }
  });

  it('shows a threshold other than one month', () => {
    expect(lowBalanceAlertMessage(alert({ thresholdTenths: 25 })).text).toContain(
      'Alerts start below 2.5 months.',
    );
  });

  it('escapes the account name and stays within limits with long names and the largest amounts', () => {
    const nasty = lowBalanceAlertMessage(alert({ accountName: '<!channel> @everyone <@U1> <#C1>' }));
    expect(everything(nasty)).not.toMatch(DANGEROUS);
    const big = 10n ** 24n;
    const long = lowBalanceAlertMessage(
      alert({
        accountName: '&<>'.repeat(27).slice(0, 80),
        balanceCents: big,
        monthlyCents: big * 10n,
        runway: runway(big, big * 10n, NOW, 'UTC'),
      }),
    );
    expect(blockKitProblems(long)).toEqual([]);
    expect(long.text).toContain('$10,000,000,000,000,000,000,000.00 left');
  });
});

describe('alertResolvedMessage', () => {
  it('says the balance is back to ok', () => {
    const message = alertResolvedMessage({
      format: USD,
      accountName: 'Acme',
      balanceCents: 300_000n,
      runway: runway(300_000n, 48_000n, NOW, 'UTC'),
    });
    expect(blockTexts(message.blocks ?? [])).toBe(
      "✅ *Acme*'s balance is back to ok: $3,000.00, about 6.2 months.",
    );
    expect(message.text).toBe("✅ Acme's balance is back to ok: $3,000.00, about 6.2 months.");
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('handles no billable devices and escapes the name', () => {
    const message = alertResolvedMessage({
      format: USD,
      accountName: '<!here> Acme',
      balanceCents: 100n,
      runway: { kind: 'unlimited' },
    });
    expect(message.text).toContain('$1.00 (no billable devices).');
    expect(everything(message)).not.toMatch(DANGEROUS);
  });
});
