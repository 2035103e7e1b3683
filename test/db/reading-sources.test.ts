import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, pgErrorCode } from '../../src/db/client.js';
import { deviceReadings } from '../../src/db/schema.js';
import { recordReading } from '../../src/services/devices.js';
import { describeDatabases } from '../support/db.js';
import { makeAccount } from '../support/fixtures.js';

const at = new Date('2026-11-02T10:00:00Z');

describeDatabases('reading sources', (t) => {
  it('the migration marks readings posted with an API token as api, every other one stays manual', async () => {
    const account = await makeAccount(t.db);
    // As they were before sources were kept: every reading has the column's default.
    for (const by of ['U1', 'api:ci-script', 'jamf-admin', 'api:']) {
      await t.db
        .insert(deviceReadings)
        .values({ accountId: account.id, count: 1, effectiveAt: at, recordedBy: by });
    }
    const backfill = readFileSync(
      join(MIGRATIONS_FOLDER, '0007_device_readings_source_backfill.sql'),
      'utf8',
    );
    await t.db.execute(sql.raw(backfill));
    const rows = await t.db
      .select({ by: deviceReadings.recordedBy, source: deviceReadings.source })
      .from(deviceReadings)
      .orderBy(deviceReadings.id);
    expect(rows).toEqual([
      { by: 'U1', source: 'manual' },
      { by: 'api:ci-script', source: 'api' },
      { by: 'jamf-admin', source: 'manual' },
      { by: 'api:', source: 'api' },
    ]);
  });

  it('a reading keeps its source; a source outside manual, api and jamf is refused by the database', async () => {
    const account = await makeAccount(t.db);
    const typed = await recordReading(t.db, { accountId: account.id, count: 5, at, by: 'U1' });
    const counted = await recordReading(t.db, {
      accountId: account.id,
      count: 6,
      at,
      by: 'jamf:x',
      source: 'jamf',
    });
    expect([typed.source, counted.source]).toEqual(['manual', 'jamf']);
    const refused = await t.db
      .execute(
        sql`insert into device_readings (account_id, count, effective_at, recorded_by, source)
            values (${account.id}, 1, now(), 'U1', 'guess')`,
      )
      .catch((err: unknown) => err);
    expect(pgErrorCode(refused)).toBe('23514');
  });
});
