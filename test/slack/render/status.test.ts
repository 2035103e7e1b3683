import { describe, expect, it } from 'vitest';
import { blockKitProblems } from '../../../src/slack/limits.js';
import { statusMessage } from '../../../src/slack/render/status.js';
import { blockTexts, DANGEROUS, NO_SOURCE, summaryOf, USD } from './fixtures.js';

describe('statusMessage', () => {
  it("shows an account's balance, devices, plan, runway and next bill", () => {
    // 120 plus devices = $480.00 a month; $3,000.00 lasts 6.25 months.
    const message = statusMessage({ format: USD, source: NO_SOURCE, summary: summaryOf() });
    expect(message.blocks?.[0]).toMatchObject({ type: 'header', text: { text: 'Acme' } });
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('*Balance*\n*$3,000.00*');
    expect(shown).toContain('*Devices now*\n120 devices');
    expect(shown).toContain('*Plan*\nPlus ($4.00/device/month)');
    expect(shown).toContain('*Monthly cost*\n$480.00 a month');
    expect(shown).toMatch(
      /\*Runway\*\n6\.2 months — runs out <!date\^\d+\^\{date_short_pretty\}\|2027-06-17>/,
    );
    expect(shown).toContain('*Next bill (estimate)*\nDecember 2026: 120 devices, $480.00');
    expect(shown).toContain('✅ Balance OK');
    expect(shown).not.toContain('License packs');
    expect(message.text).toContain('Status of Acme');
    expect(message.text).toContain('Runway: 6.2 months — runs out 2027-06-17');
    expect(message.text).toContain('Balance: $3,000.00');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('says when there is no reading yet and the runway is unlimited', () => {
    const message = statusMessage({ format: USD, source: NO_SOURCE, summary: summaryOf({ devices: null }) });
    expect(message.text).toContain('Devices now: no reading yet');
    expect(message.text).toContain('Runway: unlimited — no billable devices');
  });

  it('shows devices covered by license packs', () => {
    const message = statusMessage({
      format: USD,
      source: NO_SOURCE,
      summary: summaryOf({ devices: 120, coveredDevices: 20 }),
    });
    expect(message.text).toContain(
      'License packs: cover 20 devices (not charged to the balance): 20 devices through November 2027',
    );
    expect(message.text).toContain('Monthly cost: $400.00 a month');
  });

  it('warns when the balance is low or empty', () => {
    const low = statusMessage({
      format: USD,
      source: NO_SOURCE,
      summary: summaryOf({ balanceCents: 10_000n }),
    });
    expect(low.text).toContain('⚠️ Low balance');
    expect(low.text).toContain('less than 1.0 month');
    const empty = statusMessage({ format: USD, source: NO_SOURCE, summary: summaryOf({ balanceCents: 0n }) });
    expect(empty.text).toContain('🚨 Balance empty');
    expect(empty.text).toContain('/balance reload');
  });

  it('escapes the account name', () => {
    const message = statusMessage({
      format: USD,
      source: NO_SOURCE,
      summary: summaryOf({ account: { name: '<!channel> *x*' } }),
    });
    expect(message.text).not.toMatch(DANGEROUS);
    expect(blockTexts(message.blocks ?? [])).not.toMatch(DANGEROUS);
  });
});
