import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { outboxMessage } from '../../src/app/outbox-messages.js';
import { invoiceReminders, invoices, outbox } from '../../src/db/schema.js';
import { type Account, getAccount, linkChannel } from '../../src/services/accounts.js';
import { accountState, reviewSuspensions, sendReminders } from '../../src/services/collections.js';
import { runInvoices } from '../../src/services/invoicing.js';
import type { OutboxEvent } from '../../src/services/outbox.js';
import { payInvoiceOffline, receivablesReport, writeOffInvoice } from '../../src/services/receivables.js';
import { setSetting } from '../../src/services/settings.js';
import { renderMessage } from '../../src/slack/render/message.js';
import { describeDatabases } from '../support/db.js';
import { billedAccount, fund, makeAccount, owe, reloadNow } from '../support/fixtures.js';
import { testDocuments } from '../support/slack.js';

const TZ = 'UTC';
const _NOV_1 = new Date('2026-11-01T00:00:00Z');
const DEC_1 = new Date('2026-12-01T09:00:00Z');
const DAYS = [3, 7];
const FORMAT = { currency: 'USD', timeZone: TZ };
/** 09:00 UTC on a December 2026 day: when the daily job runs. */
const dec = (day: number) => new Date(Date.UTC(2026, 11, day, 9));

describeDatabases('reminders, suspension and restoration', (t) => {
  const context = (now: Date) => ({ now, timeZone: TZ, financeChannel: 'C0FIN' });
  /** An account billed `devices` × $2.00 for November 2026, with its billing channel. */
  const account = async (name: string, devices: number, channel = true): Promise<Account> => {
    const a = await billedAccount(t.db, name, devices);
    if (channel) await linkChannel(t.db, `C0${name.toUpperCase().replace(/\W/g, '')}`, a.id, 'U1');
    return a;
  };
  const runNovember = () => runInvoices(t.db, { now: DEC_1, timeZone: TZ, paymentTermsDays: 7 });
  const remind = (now: Date) => sendReminders(t.db, { now, timeZone: TZ, reminderDays: DAYS });
  const review = (now: Date) => reviewSuspensions(t.db, context(now));
  const queued = async (type: OutboxEvent['type']) =>
    (await t.db.select().from(outbox).orderBy(outbox.id)).filter(
      (o) => (o.payload as OutboxEvent).type === type,
    );
  const text = async (row: typeof outbox.$inferSelect) => {
    const output = await outboxMessage(t.db, FORMAT, row, testDocuments(t.db));
    return output.kind === 'message' ? renderMessage(output.message).text : '';
  };
  const reload = (accountId: number, amountCents: bigint, now: Date) =>
    reloadNow(t.db, accountId, amountCents, context(now));

  it('reminds on days 3 and 7 after issue while the invoice is outstanding, once per invoice and day', async () => {
    const acme = await account('Acme', 95); // $190.00 due, issued 1 Dec, due 8 Dec
    const paying = await account('Paying', 50); // pays before day 7
    await runNovember();
    expect(await remind(dec(3))).toEqual([]); // day 2
    expect((await remind(dec(4))).map((r) => [r.accountId, r.day])).toEqual([
      [acme.id, 3],
      [paying.id, 3],
    ]);
    expect(await remind(dec(4))).toEqual([]); // again the same day: nothing
    expect(await remind(new Date('2026-12-04T23:30:00Z'))).toEqual([]);
    expect(await remind(dec(5))).toEqual([]);
    await reload(paying.id, 10_000n, dec(6));
    expect((await remind(dec(8))).map((r) => [r.accountId, r.day])).toEqual([[acme.id, 7]]);
    expect(await remind(dec(9))).toEqual([]);
    expect(await remind(dec(30))).toEqual([]);
    expect(await t.db.select().from(invoiceReminders)).toHaveLength(3);

    const sent = await queued('invoice_reminder');
    expect(sent.map((o) => [o.channelId, (o.payload as { day: number }).day])).toEqual([
      ['C0ACME', 3],
      ['C0PAYING', 3],
      ['C0ACME', 7],
    ]);
    const [number] = (await t.db.select().from(invoices).where(eq(invoices.accountId, acme.id))).map(
      (i) => i.number,
    );
    expect(await text(sent[0]!)).toBe(
      `⏰ Payment reminder: ${number} for Acme (November 2026) has $190.00 outstanding and is due 2026-12-08.`,
    );
    expect(await text(sent[2]!)).toContain('has $190.00 outstanding and is due today.');
  });

  it('a job that missed the reminder days catches up once, with the latest day reached', async () => {
    const late = await account('Late', 95);
    const lost = await account('No Channel', 95, false);
    await runNovember();
    expect((await remind(dec(12))).map((r) => [r.accountId, r.day])).toEqual([[late.id, 7]]);
    expect(await remind(dec(13))).toEqual([]);
    expect((await queued('invoice_reminder')).map((o) => o.channelId)).toEqual(['C0LATE']);
    expect(await text((await queued('invoice_reminder'))[0]!)).toContain('was due 2026-12-08 and is overdue');
    expect((await t.db.select().from(invoiceReminders)).map((r) => r.invoiceId)).not.toContain(
      (await t.db.select().from(invoices).where(eq(invoices.accountId, lost.id)))[0]!.id,
    );
  });

  it('suspends an account the day after an invoice falls due, tells billing and finance once, and restores it when paid', async () => {
    const acme = await account('Acme', 95);
    const fine = await account('Fine', 10);
    await fund(t.db, fine.id, 100_000n);
    await runNovember();
    expect(await review(dec(8))).toEqual([]); // the due date itself: still due, not overdue
    const suspended = await review(dec(9));
    expect(suspended).toEqual([
      { accountId: acme.id, change: 'suspended', since: dec(9), overdueCents: 19_000n },
    ]);
    expect((await getAccount(t.db, acme.id))?.suspendedSince).toEqual(dec(9));
    expect(await review(dec(10))).toEqual([]);
    const notices = await queued('account_suspended');
    expect(notices.map((o) => o.channelId)).toEqual(['C0ACME', 'C0FIN']);
    expect(await text(notices[0]!)).toBe(
      '⛔ Acme is suspended since 2026-12-09: an invoice is overdue. Pay $190.00 to restore it.',
    );
    expect(
      await accountState(t.db, (await getAccount(t.db, acme.id))!, {
        now: dec(10),
        timeZone: TZ,
        currency: 'USD',
      }),
    ).toEqual({
      account: 'Acme',
      plan: 'standard',
      currency: 'USD',
      balance: 0n,
      devices: 95,
      monthly_cost: 19_000n,
      runway_months: '0.0',
      outstanding: 19_000n,
      state: 'suspended',
      suspended_since: dec(9),
    });

    // Paying part of it leaves it overdue and suspended; paying the rest restores it at once.
    const part = await reload(acme.id, 10_000n, dec(10));
    expect(part.kind === 'credited' && part.settlement.restored).toBe(false);
    expect((await getAccount(t.db, acme.id))?.suspendedSince).toEqual(dec(9));
    const rest = await reload(acme.id, 20_000n, dec(11));
    expect(rest.kind === 'credited' && rest.settlement).toMatchObject({
      restored: true,
      balanceCents: 11_000n,
    });
    expect((await getAccount(t.db, acme.id))?.suspendedSince).toBeNull();
    const restored = await queued('account_restored');
    expect(restored.map((o) => o.channelId)).toEqual(['C0ACME', 'C0FIN']);
    expect(await text(restored[1]!)).toBe(
      '✅ Acme is restored: nothing is overdue any more (suspended from 2026-12-09 to 2026-12-11).',
    );
    expect(await review(dec(12))).toEqual([]);
    const state = await accountState(t.db, (await getAccount(t.db, acme.id))!, {
      now: dec(12),
      timeZone: TZ,
      currency: 'USD',
    });
    expect(state).toMatchObject({
      state: 'active',
      suspended_since: null,
      outstanding: 0n,
      balance: 11_000n,
    });
  });

  it('a payment never suspends: an overdue account paying part is suspended by the daily job, not by the payment', async () => {
    const late = await account('Late Payer', 95);
    await runNovember();
    const part = await reload(late.id, 5_000n, dec(10));
    expect(part.kind === 'credited' && part.settlement).toMatchObject({ restored: false, balanceCents: 0n });
    expect((await getAccount(t.db, late.id))?.suspendedSince).toBeNull();
    expect(await queued('account_suspended')).toEqual([]);
    expect((await review(dec(10))).map((c) => [c.change, c.overdueCents])).toEqual([['suspended', 14_000n]]);
  });

  it('a write-off or an offline payment of what is overdue restores the account; the daily job restores one left suspended', async () => {
    const written = await account('Written', 95);
    const wired = await account('Wired', 95);
    await runNovember();
    await review(dec(9));
    const numberOf = async (a: Account) =>
      (await t.db.select().from(invoices).where(eq(invoices.accountId, a.id)))[0]!.number;
    await writeOffInvoice(t.db, {
      ...context(dec(10)),
      number: await numberOf(written),
      reason: 'closed',
      actor: 'UFIN',
      requestId: 'wo-1',
    });
    await payInvoiceOffline(t.db, {
      ...context(dec(10)),
      number: await numberOf(wired),
      amountCents: 19_000n,
      reference: 'wire',
      actor: 'UFIN',
      requestId: 'pay-1',
    });
    expect((await getAccount(t.db, written.id))?.suspendedSince).toBeNull();
    expect((await getAccount(t.db, wired.id))?.suspendedSince).toBeNull();
    expect((await queued('account_restored')).map((o) => o.channelId).sort()).toEqual([
      'C0FIN',
      'C0FIN',
      'C0WIRED',
      'C0WRITTEN',
    ]);

    // Suspended with nothing overdue (by hand, say): the next daily job restores it.
    const stray = await makeAccount(t.db, 'Stray');
    await t.db.execute(
      sql`update accounts set suspended_since = ${dec(1).toISOString()}::timestamptz where id = ${stray.id}`,
    );
    expect(await review(dec(12))).toEqual([
      { accountId: stray.id, change: 'restored', since: dec(1), overdueCents: 0n },
    ]);
  });

  it('tells the finance channel set in Slack rather than FINANCE_CHANNEL, and the billing channel only if there is one', async () => {
    await account('Quiet', 95, false);
    await runNovember();
    await setSetting(t.db, 'finance_channel', 'C0SETTING', 'U1');
    await review(dec(9));
    expect((await queued('account_suspended')).map((o) => o.channelId)).toEqual(['C0SETTING']);
  });

  it('reports who owes what by age, with totals', async () => {
    const today = new Date('2026-12-20T12:00:00Z');
    const young = await makeAccount(t.db, 'Young');
    const mixed = await makeAccount(t.db, 'Mixed');
    const old = await makeAccount(t.db, 'Old');
    const settled = await makeAccount(t.db, 'Settled');
    await owe(t.db, young.id, 10_000n, { month: '2026-11', issueDate: '2026-12-15', dueDate: '2026-12-22' });
    await owe(t.db, mixed.id, 20_000n, { month: '2026-11', issueDate: '2026-12-01', dueDate: '2026-12-10' }); // 10 days
    await owe(t.db, mixed.id, 30_000n, { month: '2026-10', issueDate: '2026-10-29', dueDate: '2026-11-05' }); // 45 days
    await owe(t.db, old.id, 40_000n, { month: '2026-08', issueDate: '2026-09-01', dueDate: '2026-09-08' }); // 103 days
    await owe(t.db, old.id, 5_000n, { month: '2026-09', issueDate: '2026-10-01', dueDate: '2026-10-08' }); // 73 days
    const paid = await owe(t.db, settled.id, 7_000n, {
      month: '2026-11',
      issueDate: '2026-12-01',
      dueDate: '2026-12-08',
    });
    await payInvoiceOffline(t.db, {
      ...context(today),
      number: paid.number,
      amountCents: 7_000n,
      reference: '',
      actor: 'UFIN',
      requestId: 'r1',
    });
    const report = await receivablesReport(t.db, { now: today, timeZone: TZ });
    expect(report.asOf).toBe('2026-12-20');
    expect(
      report.accounts.map((a) => [a.accountName, a.invoices, a.outstandingCents, a.oldestDueDate]),
    ).toEqual([
      ['Mixed', 2, 50_000n, '2026-11-05'],
      ['Old', 2, 45_000n, '2026-09-08'],
      ['Young', 1, 10_000n, '2026-12-22'],
    ]);
    expect(report.accounts.map((a) => a.aging)).toEqual([
      { not_yet_due: 0n, days_1_30: 20_000n, days_31_60: 30_000n, days_61_90: 0n, over_90: 0n },
      { not_yet_due: 0n, days_1_30: 0n, days_31_60: 0n, days_61_90: 5_000n, over_90: 40_000n },
      { not_yet_due: 10_000n, days_1_30: 0n, days_31_60: 0n, days_61_90: 0n, over_90: 0n },
    ]);
    expect(report.totals).toEqual({
      accounts: 3,
      invoices: 5,
      outstandingCents: 105_000n,
      aging: {
        not_yet_due: 10_000n,
        days_1_30: 20_000n,
        days_31_60: 30_000n,
        days_61_90: 5_000n,
        over_90: 40_000n,
      },
    });
  });
});
