import { like } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { invoices, outbox, transfers } from '../../src/db/schema.js';
import { createAccount, linkChannel } from '../../src/services/accounts.js';
import { recordReading } from '../../src/services/devices.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { describePostgres } from '../support/db.js';
import { fund } from '../support/fixtures.js';

// Two runs at once need two connections pools, as two replicas have: PostgreSQL only.
describePostgres('invoice runs started together', (t) => {
  it('invoice each account once per month and write each message once', async () => {
    for (let i = 0; i < 40; i++) {
      const a = await createAccount(t.db, {
        name: `Twin ${i}`,
        planCode: 'standard',
        actor: 'U1',
        at: new Date('2026-11-01T00:00:00Z'),
      });
      await linkChannel(t.db, `C0TWIN${i}`, a.id, 'U1');
      await recordReading(t.db, {
        accountId: a.id,
        count: 7,
        at: new Date('2026-11-02T00:00:00Z'),
        by: 'U1',
      });
      await fund(t.db, a.id, 1_000n);
    }
    const replica = await openDatabase({ kind: 'postgres', url: t.url! }, { maxConnections: 4 });
    try {
      const now = new Date('2026-12-01T09:00:00Z');
      const results = await Promise.all([
        runInvoices(t.db, { now, timeZone: 'UTC', chunkSize: 5, financeChannel: 'C0FIN' }),
        runInvoices(replica.db, { now, timeZone: 'UTC', chunkSize: 5, financeChannel: 'C0FIN' }),
      ]);
      // One holds the run; the other finds it busy (or, started after it finished, finds nothing left to do).
      const invoiced = results.map((r) => (r.kind === 'done' ? r.invoiced : 0));
      expect(invoiced.reduce((a, b) => a + b, 0)).toBe(40);
      const rows = await t.db.select().from(invoices);
      expect(rows).toHaveLength(40);
      expect(new Set(rows.map((r) => r.number)).size).toBe(40);
      expect(
        await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'usage:%')),
      ).toHaveLength(40);
      const messages = await t.db.select().from(outbox);
      expect(messages.filter((m) => (m.payload as { type: string }).type === 'invoice')).toHaveLength(40);
      expect(messages.filter((m) => (m.payload as { type: string }).type === 'run_summary')).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });
});
