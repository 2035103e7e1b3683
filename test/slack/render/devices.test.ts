import { describe, expect, it } from 'vitest';
import type { DevicesModel } from '../../../src/app/views.js';
import { blockKitProblems } from '../../../src/slack/limits.js';
import { devicesMessage, MAX_READINGS_SHOWN } from '../../../src/slack/render/devices.js';
import { blockTexts, DANGEROUS, USD } from './fixtures.js';

const base: DevicesModel = {
  format: USD,
  accountName: 'Acme',
  current: 120,
  month: '2026-12',
  carriedIn: { count: 100, at: new Date('2026-11-20T10:00:00Z'), by: 'U0ADMIN1', source: 'manual' },
  readings: [
    { count: 110, at: new Date('2026-12-03T09:15:00Z'), by: 'U0ADMIN1', source: 'manual' },
    { count: 120, at: new Date('2026-12-08T16:40:00Z'), by: 'U0ADMIN2', source: 'manual' },
  ],
  billedCount: 120,
  recorded: null,
  source: {
    reading: { count: 120, source: 'manual', by: 'U0ADMIN2', at: new Date('2026-12-08T16:40:00Z') },
    jamf: null,
  },
};

describe('devicesMessage', () => {
  it("shows the current count and this month's readings", () => {
    const message = devicesMessage(base);
    const shown = blockTexts(message.blocks ?? []);
    expect(shown).toContain('Current count: *120 devices*');
    expect(shown).toContain('*This month (December 2026)*');
    expect(shown).toMatch(
      /Carried in: 100 devices — <!date\^\d+\^\{date_short_pretty\} \{time\}\|2026-11-20 10:00>, typed by <@U0ADMIN1>/,
    );
    expect(shown).toMatch(/• 120 devices — <!date[^>]*\|2026-12-08 16:40>, typed by <@U0ADMIN2>/);
    expect(shown).toContain('Billed so far this month: *120 devices*');
    expect(shown).not.toContain('Recorded');
    expect(message.text).toContain('• 110 devices — 2026-12-03 09:15, typed by <@U0ADMIN1>');
    expect(message.text).toContain('Billed so far this month: 120 devices');
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('confirms a recorded count', () => {
    const message = devicesMessage({ ...base, recorded: 120 });
    expect(message.text).toContain('Recorded 120 devices.');
  });

  it('says when there is no reading yet', () => {
    const message = devicesMessage({ ...base, current: null, carriedIn: null, readings: [], billedCount: 0 });
    expect(message.text).toContain('Current count: no reading yet');
    expect(message.text).toContain('No readings this month yet.');
  });

  it('lists the newest readings of 10,000 and counts the rest', () => {
    const readings = Array.from({ length: 10_000 }, (_, i) => ({
      count: i + 1,
      at: new Date(Date.UTC(2026, 11, 1) + i * 60_000),
      by: 'U0ADMIN1',
      source: 'manual' as const,
    }));
    const message = devicesMessage({ ...base, readings, billedCount: 10_000 });
    expect(message.text).toContain(`… and 9,980 earlier readings`);
    expect(message.text).toContain('• 10,000 devices');
    expect(message.text).not.toContain('• 9,980 devices');
    expect(message.text.match(/^• \d/gm)).toHaveLength(MAX_READINGS_SHOWN);
    expect(blockKitProblems(message)).toEqual([]);
  });

  it('escapes the account name and non-user actors', () => {
    const message = devicesMessage({
      ...base,
      accountName: '<!channel> *x*',
      readings: [{ count: 5, at: new Date('2026-12-02T00:00:00Z'), by: '<!here>', source: 'manual' }],
      carriedIn: null,
      source: {
        reading: { count: 5, source: 'api', by: 'api:<!here>', at: new Date('2026-12-02T00:00:00Z') },
        jamf: null,
      },
    });
    expect(message.text).not.toMatch(DANGEROUS);
    expect(blockTexts(message.blocks ?? [])).not.toMatch(DANGEROUS);
  });
});
