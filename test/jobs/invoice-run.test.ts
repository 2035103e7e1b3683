import { eq, like } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { closedMonths, invoiceRuns, invoices, outbox, transfers } from '../../src/db/schema.js';
import { generateCode } from '../../src/domain/code-format.js';
import { IdempotencyConflictError, postTransfer, walletBalance } from '../../src/ledger/ledger.js';
import { createAccount, linkChannel } from '../../src/services/accounts.js';
import { importLicensePacks, redeemCode } from '../../src/services/codes.js';
import { recordReading } from '../../src/services/devices.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { describeDatabases } from '../support/db.js';
import { fund } from '../support/fixtures.js';

const TZ = 'UTC';
const DEC_1 = new Date('2026-12-01T09:00:00Z');
const NOV_1 = new Date('2026-11-01T00:00:00Z');

describeDatabases('the invoice run', (t) => {
  const account = async (name: string, planCode = 'standard', createdAt = NOV_1) => {
    const a = await createAccount(t.db, { name, planCode, actor: 'U1', at: createdAt });
    await linkChannel(t.db, `C0${name.toUpperCase().replace(/\W/g, '')}`, a.id, 'U1');
    return a;
  };
  const reading = (accountId: number, count: number, at: string) =>
    recordReading(t.db, { accountId, count, at: new Date(at), by: 'U1' });
  const run = (now = DEC_1, extra: Partial<Parameters<typeof runInvoices>[1]> = {}) =>
    runInvoices(t.db, { now, timeZone: TZ, financeChannel: 'C0FIN', ...extra });
  const invoiceOf = async (accountId: number, month = '2026-11') =>
    (await t.db.select().from(invoices).where(eq(invoices.accountId, accountId))).find(
      (i) => i.month === month,
    );

  it('bills the highest count in effect during the month, the reading before it included', async () => {
    const rising = await account('Rising');
    await reading(rising.id, 100, '2026-10-20T00:00:00Z');
    await reading(rising.id, 140, '2026-11-10T00:00:00Z');
    await reading(rising.id, 120, '2026-11-20T00:00:00Z');
    const carried = await account('Carried');
    await reading(carried.id, 80, '2026-10-15T00:00:00Z');
    const later = await account('Later');
    await reading(later.id, 500, '2026-12-01T00:00:00Z'); // December's, not November's
    await fund(t.db, rising.id, 1_000_000n);
    await fund(t.db, carried.id, 1_000_000n);
    await run();
    expect(await invoiceOf(rising.id)).toMatchObject({
      billedDevices: 140,
      chargeCents: 28_000n,
      status: 'paid',
    });
    expect(await invoiceOf(carried.id)).toMatchObject({ billedDevices: 80, chargeCents: 16_000n });
    expect(await invoiceOf(later.id)).toMatchObject({ billedDevices: 0, chargeCents: 0n, status: 'paid' });
    expect(await walletBalance(t.db, rising.id)).toBe(1_000_000n - 28_000n);
  });

  it('subtracts license pack coverage and charges plus at $4.00', async () => {
    const plus = await account('Plus Co', 'plus');
    await reading(plus.id, 120, '2026-11-02T00:00:00Z');
    const code = generateCode('license_pack');
    await importLicensePacks(t.db, [{ line: 2, code, devices: 50, months: 12, planCode: 'plus' }], {
      actor: 'cli',
      now: NOV_1,
      secret: 's'.repeat(40),
    });
    await redeemCode(t.db, {
      text: code,
      accountId: plus.id,
      actor: 'U1',
      now: new Date('2026-11-03T00:00:00Z'),
      secret: 's'.repeat(40),
      timeZone: TZ,
    });
    await fund(t.db, plus.id, 100_000n);
    await run();
    expect(await invoiceOf(plus.id)).toMatchObject({
      billedDevices: 120,
      coveredDevices: 50,
      billableDevices: 70,
      unitPriceCents: 400n,
      chargeCents: 28_000n,
    });
  });

  it('takes what the balance holds and leaves the rest due; the wallet ends at zero, never below', async () => {
    const short = await account('Short');
    await reading(short.id, 100, '2026-11-02T00:00:00Z');
    await fund(t.db, short.id, 5_000n);
    await run();
    expect(await invoiceOf(short.id)).toMatchObject({
      chargeCents: 20_000n,
      paidFromBalanceCents: 5_000n,
      amountDueCents: 15_000n,
      status: 'due',
    });
    expect(await walletBalance(t.db, short.id)).toBe(0n);
    const [usage] = await t.db
      .select()
      .from(transfers)
      .where(eq(transfers.idempotencyKey, `usage:${short.id}:2026-11`));
    expect(usage!.amount).toBe(5_000n);
  });

  it('posts invoices with a charge to their billing channel; a $0.00 invoice is recorded, not posted', async () => {
    const busy = await account('Busy');
    await reading(busy.id, 10, '2026-11-02T00:00:00Z');
    const idle = await account('Idle');
    await run();
    const messages = await t.db.select().from(outbox);
    const invoiceMessages = messages.filter((m) => (m.payload as { type: string }).type === 'invoice');
    expect(invoiceMessages.map((m) => m.channelId)).toEqual(['C0BUSY']);
    expect(await invoiceOf(idle.id)).toMatchObject({ chargeCents: 0n });
    expect(
      messages
        .filter((m) => m.channelId === 'C0FIN')
        .map((m) => (m.payload as { type: string }).type)
        .sort(),
    ).toEqual(['run_csv', 'run_summary']);
  });

  it('invoices each account once per month however often it runs, with gapless numbers', async () => {
    for (let i = 0; i < 5; i++) {
      const a = await account(`A${i}`);
      await reading(a.id, 10 + i, '2026-11-02T00:00:00Z');
      await fund(t.db, a.id, 100_000n);
    }
    await run();
    const again = await run(new Date('2026-12-02T00:00:00Z'));
    expect(again).toEqual({ kind: 'done', runId: null, invoiced: 0, months: [], stopped: false });
    expect(await t.db.select().from(invoiceRuns)).toHaveLength(1); // a re-run creates nothing, not even a run
    expect(await runInvoices(t.db, { now: DEC_1, timeZone: TZ, month: '2026-11' })).toMatchObject({
      invoiced: 0,
    });
    const numbers = (await t.db.select().from(invoices)).map((i) => i.number).sort();
    expect(numbers).toEqual([
      'INV-2026-00001',
      'INV-2026-00002',
      'INV-2026-00003',
      'INV-2026-00004',
      'INV-2026-00005',
    ]);
    expect(await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'usage:%'))).toHaveLength(
      5,
    );
  });

  it('carries on after a crash part-way: the rest invoiced, nothing doubled, numbers gapless, one run', async () => {
    for (let i = 0; i < 7; i++) {
      const a = await account(`C${i}`);
      await reading(a.id, 5, '2026-11-02T00:00:00Z');
      await fund(t.db, a.id, 10_000n);
    }
    let chunks = 0;
    const crashing = run(DEC_1, {
      chunkSize: 3,
      afterChunk: () => {
        if (++chunks === 1) throw new Error('killed part-way');
      },
    });
    await expect(crashing).rejects.toThrow('killed part-way');
    expect(await t.db.select().from(invoices)).toHaveLength(3);
    const resumed = await run(DEC_1, { chunkSize: 3 });
    expect(resumed).toMatchObject({ kind: 'done', invoiced: 4, months: ['2026-11'] });
    const all = await t.db.select().from(invoices);
    expect(all.map((i) => i.number).sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `INV-2026-0000${i + 1}`),
    );
    expect(new Set(all.map((i) => i.runId)).size).toBe(1);
    expect(await t.db.select().from(invoiceRuns)).toHaveLength(1);
    expect(await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'usage:%'))).toHaveLength(
      7,
    );
  });

  // The usage and amount-due keys are claimed in the chunk's one statement; a key already taken (SPEC §2) is linked
  // when it names the same movement and refused, with nothing of the chunk written, when it names another.
  const usageBefore = async (name: string, amount: bigint) => {
    const a = await account(name);
    await reading(a.id, 5, '2026-11-02T00:00:00Z');
    await fund(t.db, a.id, 10_000n);
    const { transfer } = await postTransfer(t.db, {
      key: `usage:${a.id}:2026-11`,
      from: { wallet: a.id },
      to: { system: 'usage_revenue' },
      amount,
      actor: 'system',
      memo: 'posted before the run',
    });
    return { account: a, transfer };
  };

  it('links a usage transfer posted before with the same movement, and debits the wallet once', async () => {
    const { account: same, transfer } = await usageBefore('Same', 1_000n);
    await run();
    expect(await invoiceOf(same.id)).toMatchObject({ chargeCents: 1_000n, transferId: transfer.id });
    expect(await walletBalance(t.db, same.id)).toBe(9_000n);
  });

  it('refuses a usage key posted before with another amount, and writes nothing of the chunk', async () => {
    const { account: other } = await usageBefore('Other', 500n);
    await expect(run()).rejects.toThrow(IdempotencyConflictError);
    expect(await invoiceOf(other.id)).toBeUndefined();
    expect(await walletBalance(t.db, other.id)).toBe(9_500n);
  });

  it('catches up: closed through July, a run in November closes August, September and October in order', async () => {
    const old = await account('Old', 'standard', new Date('2026-07-01T00:00:00Z'));
    await reading(old.id, 10, '2026-07-02T00:00:00Z');
    await fund(t.db, old.id, 100_000n);
    await t.db
      .insert(closedMonths)
      .values({ month: '2026-07', runId: 0, closedAt: new Date('2026-08-01T09:00:00Z') });
    const result = await run(new Date('2026-11-15T00:00:00Z'));
    expect(result).toMatchObject({ kind: 'done', months: ['2026-08', '2026-09', '2026-10'] });
    const rows = (await t.db.select().from(invoices)).sort((a, b) => a.number.localeCompare(b.number));
    expect(rows.map((r) => [r.number, r.month])).toEqual([
      ['INV-2026-00001', '2026-08'],
      ['INV-2026-00002', '2026-09'],
      ['INV-2026-00003', '2026-10'],
    ]);
    expect(await walletBalance(t.db, old.id)).toBe(100_000n - 3n * 2_000n);
    expect((await t.db.select().from(closedMonths)).map((m) => m.month).sort()).toEqual([
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
  });

  it('does not invoice a month for an account created after it ended', async () => {
    await account('Newcomer', 'standard', new Date('2026-12-05T00:00:00Z'));
    expect(await run(new Date('2027-01-02T00:00:00Z'))).toMatchObject({ months: ['2026-12'], invoiced: 1 });
    expect(await runInvoices(t.db, { now: DEC_1, timeZone: TZ, month: '2026-11' })).toMatchObject({
      invoiced: 0,
    });
  });
});
