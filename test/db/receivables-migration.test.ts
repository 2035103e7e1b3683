import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, queryRows } from '../../src/db/client.js';
import { ensureSeed } from '../../src/db/seed.js';
import { receivableBalance, walletBalance } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { postAdjustment } from '../../src/services/adjustments.js';
import { DATABASE_KINDS } from '../support/db.js';
import { upgradedDatabase } from '../support/migrations.js';

// Migration 0011 on a database that already holds invoices with amounts due (written before receivables existed):
// every account gets its receivable, every amount due becomes a `due:` debt in the ledger, and the ledger verifies.

/** Two accounts invoiced for November 2026 before 0011: Owing paid $50.00 of $200.00, Paid paid all of $20.00. */
async function oldData(db: Db): Promise<void> {
  await db.execute(sql`insert into plans (code, name, price_cents) values ('standard', 'Standard', 200)`);
  await db.execute(sql`insert into ledger_accounts (kind) values ('payments'), ('usage_revenue')`);
  await db.execute(sql`insert into accounts (name, plan_code, created_by, created_at)
                       values ('Owing', 'standard', 'U1', '2026-11-01T00:00:00Z'), ('Paid', 'standard', 'U1', '2026-11-01T00:00:00Z')`);
  await db.execute(
    sql`insert into ledger_accounts (kind, account_id, balance) select 'wallet', id, 0 from accounts`,
  );
  const post = (key: string, from: string, to: string, amount: number) =>
    db.execute(sql`insert into transfers (idempotency_key, from_ledger_id, to_ledger_id, amount, actor, memo, created_at)
                   values (${key}, (${sql.raw(from)}), (${sql.raw(to)}), ${amount}, 'test', 'old', '2026-12-01T09:00:00Z')`);
  const wallet = (name: string) =>
    `select w.id from ledger_accounts w join accounts a on a.id = w.account_id where a.name = '${name}'`;
  const system = (kind: string) => `select id from ledger_accounts where kind = '${kind}'`;
  await post('seed:owing', system('payments'), wallet('Owing'), 5_000);
  await post('usage:1:2026-11', wallet('Owing'), system('usage_revenue'), 5_000);
  await post('seed:paid', system('payments'), wallet('Paid'), 10_000);
  await post('usage:2:2026-11', wallet('Paid'), system('usage_revenue'), 2_000);
  await db.execute(sql`update ledger_accounts w set balance = case a.name when 'Paid' then 8000 else 0 end
                       from accounts a where a.id = w.account_id`);
  await db.execute(sql`
    insert into invoices (number, account_id, month, plan_code, unit_price_cents, billed_devices, covered_devices,
      billable_devices, charge_cents, paid_from_balance_cents, amount_due_cents, status, transfer_id, run_id, created_at)
    values
      ('INV-2026-00001', 1, '2026-11', 'standard', 200, 100, 0, 100, 20000, 5000, 15000, 'due',
       (select id from transfers where idempotency_key = 'usage:1:2026-11'), 1, '2026-12-01T09:00:00Z'),
      ('INV-2026-00002', 2, '2026-11', 'standard', 200, 10, 0, 10, 2000, 2000, 0, 'paid',
       (select id from transfers where idempotency_key = 'usage:2:2026-11'), 1, '2026-12-01T09:00:00Z')`);
}

describe.each(DATABASE_KINDS)('migration 0011 on existing invoices [%s]', (kind) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('gives every account a receivable, carries each amount due into it, and the ledger verifies', async () => {
    const db = await upgradedDatabase(kind, '0011_', oldData, cleanups);
    await ensureSeed(db);

    expect((await verifyLedger(db)).problems).toEqual([]);
    expect(await receivableBalance(db, 1)).toBe(-15_000n);
    expect(await receivableBalance(db, 2)).toBe(0n);
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`select i.number, i.outstanding_cents, i.status, i.issue_date::text as issue, i.due_date::text as due,
                 t.idempotency_key as due_key, t.amount as due_amount
          from invoices i left join transfers t on t.id = i.due_transfer_id order by i.number`,
    );
    expect(
      rows.map((r) => [
        r.number,
        Number(r.outstanding_cents),
        r.status,
        r.issue,
        r.due,
        r.due_key,
        r.due_amount === null ? null : Number(r.due_amount),
      ]),
    ).toEqual([
      ['INV-2026-00001', 15_000, 'due', '2026-12-01', '2026-12-08', 'due:1:2026-11', 15_000],
      ['INV-2026-00002', 0, 'paid', '2026-12-01', '2026-12-08', null, null],
    ]);
    const [revenue] = await queryRows<{ v: unknown }>(
      db,
      sql`select sum(amount) as v from transfers where to_ledger_id = (select id from ledger_accounts where kind = 'usage_revenue')`,
    );
    expect(Number(revenue?.v)).toBe(22_000); // both charges in full

    // The carried-in debt is collected like any other.
    const adjusted = await postAdjustment(db, {
      now: new Date('2026-12-05T10:00:00Z'),
      timeZone: 'UTC',
      accountId: 1,
      direction: 'credit',
      amountCents: 20_000n,
      reason: 'test',
      actor: 'UFIN',
      currency: 'USD',
      requestId: 'after-migration',
    });
    expect(adjusted.settlement?.settled.map((s) => [s.number, s.amountCents, s.outstandingCents])).toEqual([
      ['INV-2026-00001', 15_000n, 0n],
    ]);
    expect(await walletBalance(db, 1)).toBe(5_000n);
    expect((await verifyLedger(db)).problems).toEqual([]);
  });
});
