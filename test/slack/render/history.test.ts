import { describe, expect, it } from 'vitest';
import type { TransferLine } from '../../../src/app/views.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import { historyMessage } from '../../../src/slack/render/history.js';
import { blockTexts, DANGEROUS, USD } from './fixtures.js';

const transfers: TransferLine[] = [
  {
    id: 3,
    at: new Date('2026-12-01T09:00:00Z'),
    signedAmount: -48_000n,
    memo: 'Usage 2026-11',
    actor: 'system',
  },
  {
    id: 2,
    at: new Date('2026-11-15T12:00:00Z'),
    signedAmount: 100_000n,
    memo: 'Card reload',
    actor: 'U0ADMIN1',
  },
];

describe('historyMessage', () => {
  it('shows the balance and each transfer with date, signed amount and memo', () => {
    const message = historyMessage({ format: USD, accountName: 'Acme', balanceCents: 52_000n, transfers });
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('Balance: *$520.00*');
    expect(shown).toMatch(/<!date\^\d+\^\{date_short_pretty\}\|2026-12-01> · \*−\$480\.00\* · Usage 2026-11/);
    expect(shown).toContain('*+$1,000.00* · Card reload · by <@U0ADMIN1>');
    expect(message.text).toContain('History — Acme');
    expect(message.text).toContain('2026-12-01 · −$480.00 · Usage 2026-11');
    expect(message.text).toContain('2026-11-15 · +$1,000.00 · Card reload · by <@U0ADMIN1>');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('says when there are no transfers', () => {
    const message = historyMessage({ format: USD, accountName: 'Acme', balanceCents: 0n, transfers: [] });
    expect(message.text).toContain('No transfers yet.');
  });

  it('fits 50 transfers with 200-character memos, splitting sections', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({
      id: i,
      at: new Date(Date.UTC(2026, 0, 1 + i)),
      signedAmount: BigInt((i % 2 === 0 ? 1 : -1) * (i + 1) * 100),
      memo: `${i} ${'<&>'.repeat(66)}`,
      actor: 'U0ADMIN1',
    }));
    const message = historyMessage({
      format: USD,
      accountName: 'A'.repeat(80),
      balanceCents: 1n,
      transfers: many,
    });
    expect(blockKitProblems(message)).toEqual([]);
    const lines = blockTexts(message.blocks ?? [])
      .split('\n')
      .filter((l) => l.startsWith('<!date'));
    expect(lines).toHaveLength(50);
  });

  it('escapes memos', () => {
    const message = historyMessage({
      format: USD,
      accountName: 'Acme',
      balanceCents: 0n,
      transfers: [{ ...transfers[0]!, memo: '<!channel> @everyone <https://evil.example|x>' }],
    });
    expect(message.text).not.toMatch(DANGEROUS);
    expect(blockTexts(message.blocks ?? [])).not.toMatch(DANGEROUS);
  });
});
