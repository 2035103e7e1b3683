import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/app/ids.js';
import type { EstimateModel } from '../../../src/app/views.js';
import { estimate } from '../../../src/domain/pricing.js';
import { runway } from '../../../src/domain/runway.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import { estimateMessage } from '../../../src/slack/render/estimate.js';
import { blockTexts, buttons, DANGEROUS, NOW, PLUS, plusEstimate, STANDARD, USD } from './fixtures.js';

const base: EstimateModel = {
  format: USD,
  plan: PLUS,
  estimate: plusEstimate(120, 24),
  actions: { shareAsQuote: false, reload: false },
};

describe('estimateMessage', () => {
  it('shows devices × months × price and the total', () => {
    const message = estimateMessage(base);
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('120 devices × 24 months on Plus ($4.00/device/month) = *$11,520.00*');
    expect(message.text).toContain('120 devices × 24 months on Plus ($4.00/device/month) = $11,520.00');
    expect(shown).toContain('$480.00 a month');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('compares 12, 24 and 36 months in fields and in the fallback', () => {
    const message = estimateMessage(base);
    const fields = message.blocks?.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : [])) ?? [];
    expect(fields.map((f) => f.text)).toEqual([
      '*12 months*\n$5,760.00',
      '*24 months (this estimate)*\n$11,520.00',
      '*36 months*\n$17,280.00',
    ]);
    expect(message.text).toContain('12 months $5,760.00 · 24 months $11,520.00 · 36 months $17,280.00');
  });

  it('prices 50 standard devices for 12 months at $1,200.00', () => {
    const message = estimateMessage({ ...base, plan: STANDARD, estimate: estimate(50, 12, 200n) });
    expect(message.text).toContain('50 devices × 12 months on Standard ($2.00/device/month) = $1,200.00');
  });

  it('says 1 device and 1 month in the singular', () => {
    const message = estimateMessage({ ...base, estimate: plusEstimate(1, 1) });
    expect(message.text).toContain('1 device × 1 month on Plus');
  });

  it('shows buttons only as allowed, each carrying the estimate as JSON', () => {
    expect(buttons(estimateMessage(base).blocks ?? [])).toEqual([]);
    const sales = buttons(
      estimateMessage({ ...base, actions: { shareAsQuote: true, reload: false } }).blocks ?? [],
    );
    expect(sales.map((b) => b.action_id)).toEqual([ACTION.shareAsQuote]);
    expect(sales[0]?.text?.text).toBe('Share as quote');
    const admin = buttons(
      estimateMessage({ ...base, actions: { shareAsQuote: false, reload: true } }).blocks ?? [],
    );
    expect(admin.map((b) => b.action_id)).toEqual([ACTION.reloadThisAmount]);
    expect(admin[0]?.text?.text).toBe('Reload this amount');
    const both = buttons(
      estimateMessage({ ...base, actions: { shareAsQuote: true, reload: true } }).blocks ?? [],
    );
    expect(both).toHaveLength(2);
    for (const b of both)
      expect(JSON.parse(b.value ?? '')).toEqual({ devices: 120, months: 24, plan: 'plus' });
  });

  it("in an account's context, shows its balance, runway and what to reload", () => {
    const balanceCents = 96_000n; // two months at $480.00
    const message = estimateMessage({
      ...base,
      account: {
        name: 'Acme',
        balanceCents,
        monthlyCents: 48_000n,
        runway: runway(balanceCents, 48_000n, NOW, 'UTC'),
        reloadCents: 1_056_000n,
      },
    });
    expect(message.text).toContain(
      'Acme — balance $960.00: covers 2.0 months now at $480.00 a month (until 2027-02-10)',
    );
    expect(message.text).toContain('reload $10,560.00');
    expect(blockTexts(message.blocks ?? [])).toMatch(/until <!date\^\d+\^\{date_short_pretty\}\|2027-02-10>/);
  });

  it('says when the balance already covers the months, and when no devices are billed', () => {
    const message = estimateMessage({
      ...base,
      account: {
        name: 'Acme',
        balanceCents: 2_000_000n,
        monthlyCents: 0n,
        runway: { kind: 'unlimited' },
        reloadCents: 0n,
      },
    });
    expect(message.text).toContain('no devices billed');
    expect(message.text).toContain('Already covered');
  });

  it('escapes the account name', () => {
    const message = estimateMessage({
      ...base,
      account: {
        name: '<!channel> *x*',
        balanceCents: 0n,
        monthlyCents: 0n,
        runway: { kind: 'unlimited' },
        reloadCents: 0n,
      },
    });
    expect(message.text).not.toMatch(DANGEROUS);
    expect(blockTexts(message.blocks ?? [])).not.toMatch(DANGEROUS);
    expect(message.text).toContain('&lt;!channel&gt;');
  });
});
