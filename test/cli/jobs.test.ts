import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { invoices, outbox } from '../../src/db/schema.js';
import { openAppDatabase } from '../../src/main.js';
import { createAccount, linkChannel } from '../../src/services/accounts.js';
import { recordReading } from '../../src/services/devices.js';
import { setSetting } from '../../src/services/settings.js';
import { exitOf, runCli, startCli } from '../support/cli.js';
import { fund } from '../support/fixtures.js';

// Each test starts several real `balance` processes on one PGlite directory (seconds each, more on a loaded machine).
describe('balance jobs invoices and balance export', { timeout: 120_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'balance-jobs-'));
    env = { DATABASE_URL: `pglite://${join(dir, 'pglite')}` };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const inProcess = async <T>(
    work: (db: Awaited<ReturnType<typeof openAppDatabase>>['db']) => Promise<T>,
  ) => {
    const database = await openAppDatabase(loadConfig(env));
    try {
      return await work(database.db);
    } finally {
      await database.close();
    }
  };

  it('closes November for a paid, a due and a device-less account; a second run adds nothing', async () => {
    await inProcess(async (db) => {
      const at = new Date('2026-11-05T12:00:00Z');
      const paid = await createAccount(db, {
        name: 'Paid Co',
        planCode: 'standard',
        actor: 'U1',
        at: new Date('2026-11-01T00:00:00Z'),
      });
      const due = await createAccount(db, {
        name: 'Due Co',
        planCode: 'plus',
        actor: 'U1',
        at: new Date('2026-11-01T00:00:00Z'),
      });
      await createAccount(db, {
        name: 'Idle Co',
        planCode: 'standard',
        actor: 'U1',
        at: new Date('2026-11-01T00:00:00Z'),
      });
      await linkChannel(db, 'C0PAID', paid.id, 'U1');
      await linkChannel(db, 'C0DUE', due.id, 'U1');
      await setSetting(db, 'finance_channel', 'C0FINANCE', 'U1');
      await recordReading(db, { accountId: paid.id, count: 100, at, by: 'U1' });
      await recordReading(db, { accountId: due.id, count: 50, at, by: 'U1' });
      await fund(db, paid.id, 100_000n); // $1,000 ≥ 100 × $2.00
      await fund(db, due.id, 5_000n); // $50 < 50 × $4.00
    });
    const first = await runCli(['jobs', 'invoices', '--now', '2026-12-01T09:00:00Z'], env);
    expect(first.stderr).toContain('invoice run 1: 3 invoices for 2026-11');
    expect(first.stdout).toContain('3 invoices; months closed: 2026-11');
    expect(first.code).toBe(0);

    const { rows, queued } = await inProcess(async (db) => ({
      rows: (await db.select().from(invoices)).map((i) => [
        i.number,
        i.month,
        i.chargeCents,
        i.paidFromBalanceCents,
        i.amountDueCents,
        i.status,
      ]),
      queued: (await db.select().from(outbox)).map((o) => [
        o.channelId,
        (o.payload as { type: string }).type,
      ]),
    }));
    expect(rows).toEqual([
      ['INV-2026-00001', '2026-11', 20_000n, 20_000n, 0n, 'paid'],
      ['INV-2026-00002', '2026-11', 20_000n, 5_000n, 15_000n, 'due'],
      ['INV-2026-00003', '2026-11', 0n, 0n, 0n, 'paid'],
    ]);
    // Invoices for the two billing channels (not the $0.00 one), the summary and CSV for finance, and the
    // low-balance alerts the charges caused; no Slack here, so they wait in the outbox.
    expect(queued).toEqual(
      expect.arrayContaining([
        ['C0PAID', 'invoice'],
        ['C0DUE', 'invoice'],
        ['C0FINANCE', 'run_summary'],
        ['C0FINANCE', 'run_csv'],
      ]),
    );
    expect(queued.filter(([, type]) => type === 'invoice')).toHaveLength(2);

    const second = await runCli(['jobs', 'invoices', '--now', '2026-12-01T09:05:00Z'], env);
    expect(second.stdout.split('\n')[0]).toBe(
      'nothing to invoice: every month that has ended is closed already',
    );
    expect(second.stdout).not.toContain('null');
    const again = await inProcess(async (db) => ({
      invoices: (await db.select().from(invoices)).length,
      outbox: (await db.select().from(outbox)).length,
    }));
    expect(again).toEqual({ invoices: 3, outbox: queued.length });

    const out = join(dir, 'nov.csv');
    const exported = await runCli(['export', 'invoices', '--month', '2026-11', '--out', out], env);
    expect(exported.code).toBe(0);
    const csv = readFileSync(out, 'utf8').split('\r\n');
    expect(csv[0]).toBe(
      'number,account,month,plan,unit_price,billed_devices,covered_devices,billable_devices,charge,paid_from_balance,amount_due,status,created_at',
    );
    expect(csv[2]).toContain('INV-2026-00002,Due Co,2026-11,plus,4.00,50,0,50,200.00,50.00,150.00,due');
    expect((await runCli(['verify'], env)).code).toBe(0);
  });

  it('the shell shows the invoices the run made', async () => {
    await inProcess(async (db) => {
      const acme = await createAccount(db, {
        name: 'Acme',
        planCode: 'standard',
        actor: 'U1',
        at: new Date('2026-11-01T00:00:00Z'),
      });
      await linkChannel(db, 'local', acme.id, 'U1');
      await recordReading(db, {
        accountId: acme.id,
        count: 12,
        at: new Date('2026-11-02T00:00:00Z'),
        by: 'U1',
      });
    });
    await runCli(['jobs', 'invoices', '--now', '2026-12-01T09:00:00Z'], env);
    const shell = await startCli(['start'], { ...env, PORT: '0' }, /balance> /);
    shell.child.stdin!.end('/balance invoices\n/balance invoices 2026-11\nexit\n');
    expect(await exitOf(shell.child)).toBe(0);
    expect(shell.output()).toContain('INV-2026-00001');
    expect(shell.output()).toMatch(/12 × \$2\.00 = \$24\.00/);
  });

  it('the daily job reminds and suspends; export receivables ages what is owed, formulas disarmed', async () => {
    await inProcess(async (db) => {
      const created = new Date('2026-11-01T00:00:00Z');
      const owing = await createAccount(db, {
        name: '=HYPERLINK("x")',
        planCode: 'standard',
        actor: 'U1',
        at: created,
      });
      await linkChannel(db, 'C0OWING', owing.id, 'U1');
      await recordReading(db, {
        accountId: owing.id,
        count: 75,
        at: new Date('2026-11-05T00:00:00Z'),
        by: 'U1',
      });
      await fund(db, owing.id, 5_000n); // $150.00 charged: $100.00 due
    });
    await runCli(['jobs', 'invoices', '--now', '2026-12-01T09:00:00Z'], env);
    const daily = await runCli(['jobs', 'alerts', '--now', '2026-12-09T09:00:00Z'], env);
    expect(daily.stdout).toContain('1 payment reminders; 1 accounts suspended, 0 restored');
    expect(daily.code).toBe(0);
    const out = join(dir, 'receivables.csv');
    const exported = await runCli(
      ['export', 'receivables', '--now', '2026-12-20T12:00:00Z', '--out', out],
      env,
    );
    expect(exported.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\r\n')).toEqual([
      'account,invoices,outstanding,not_yet_due,days_1_30,days_31_60,days_61_90,over_90,oldest_due_date,suspended_since',
      `"'=HYPERLINK(""x"")",1,100.00,0.00,100.00,0.00,0.00,0.00,2026-12-08,2026-12-09T09:00:00.000Z`,
      '',
    ]);
    const ledger = await runCli(['export', 'ledger'], env);
    expect(ledger.stdout).toContain(`"'=HYPERLINK(""x"") (receivable)",usage_revenue,100.00`);
    expect((await runCli(['verify'], env)).code).toBe(0);
  }, 90_000); // five command-line processes in a row, each opening the embedded database

  it('refuses bad options with one clear line', async () => {
    const bad = await runCli(['jobs', 'invoices', '--now', 'tomorrow'], env);
    expect(bad.stderr.trim()).toBe('--now must be an ISO time like 2026-12-01T09:00:00Z');
    expect(bad.code).toBe(1);
    const month = await runCli(['export', 'invoices', '--month', '2026-13'], env);
    expect(month.stderr.trim()).toBe('--month must be a month like 2026-11');
    const receivables = await runCli(['export', 'receivables', '--month', '2026-11'], env);
    expect(receivables.stderr.trim()).toBe('unknown option --month');
  });
});
