import { eq, like } from 'drizzle-orm';
import { expect, it } from 'vitest';
import {
  autoReloadCharges,
  autoReloadSettings,
  invoices,
  outbox,
  payments,
  sandboxCharges,
  savedCards,
  transfers,
} from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logger.js';
import { type Account, addAdmins } from '../../src/services/accounts.js';
import {
  type AutoReloadCharge,
  type ChargeContext,
  claimInvoiceCharges,
  claimRunwayCharges,
  configureAutoReload,
  recoverCharges,
  runCharge,
} from '../../src/services/autoreload.js';
import {
  CardNotDetachedError,
  customerFor,
  removeCard,
  storeCard,
} from '../../src/services/payments/cards.js';
import { type SandboxTestCard, sandboxCard, sandboxProvider } from '../../src/services/payments/sandbox.js';
import { setSetting } from '../../src/services/settings.js';
import { accountSummary } from '../../src/services/summary.js';
import { describeDatabases } from '../support/db.js';
import { billedAccount, fund, owe, spend } from '../support/fixtures.js';

const TZ = 'UTC';
const at = (day: number, hour = 9, month = 12) => new Date(Date.UTC(2026, month - 1, day, hour));
const logger = createLogger({ level: 'error' });

describeDatabases('auto-reload (SPEC §15)', (t) => {
  const provider = () => sandboxProvider(() => 'http://localhost', t.db);
  const ctx = (now: Date): ChargeContext => ({
    now,
    timeZone: TZ,
    currency: 'USD',
    financeChannel: 'C0FINANCE',
  });

  /** Acme: 100 devices on Standard ($200.00 a month), two admins, a saved `card`, auto-reload of $300.00 below 1.0 month. */
  async function acme(
    card: SandboxTestCard = 'succeeds',
    choice: { maxPerMonth?: number; funded?: bigint } = {},
  ) {
    const account = await billedAccount(t.db, 'Acme', 100, choice.funded ?? 10_000n);
    await addAdmins(
      t.db,
      account.id,
      [
        { teamId: 'T1', userId: 'UADMIN1' },
        { teamId: 'T1', userId: 'UADMIN2' },
      ],
      'UOWNER',
    );
    const customerId = await customerFor(t.db, provider(), account, at(1));
    await storeCard(t.db, {
      accountId: account.id,
      provider: 'sandbox',
      card: sandboxCard(customerId, card, at(1)),
      paymentId: 'pay_SAVEDCARD0000001',
      now: at(1),
    });
    await configureAutoReload(t.db, {
      accountId: account.id,
      enabled: true,
      thresholdTenths: 10,
      amountCents: 30_000n,
      maxPerMonth: choice.maxPerMonth ?? 2,
      by: 'UADMIN1',
      now: at(1),
    });
    return account;
  }

  /** The balance check's auto-reload step for one account, each claimed charge run at once. */
  async function check(account: Account, now: Date) {
    const claimed = await claimRunwayCharges(t.db, { ...ctx(now), accountIds: [account.id] });
    return Promise.all(claimed.map((c) => run(c, now)));
  }
  const run = (charge: AutoReloadCharge, now: Date) =>
    runCharge(t.db, provider(), charge, { ...ctx(now), accountName: 'Acme', logger });
  const charges = () => t.db.select().from(autoReloadCharges).orderBy(autoReloadCharges.id);
  const reloads = () => t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'reload:%'));
  const messages = async () =>
    (await t.db.select().from(outbox).orderBy(outbox.id)).map((m) => {
      const e = m.payload as { type: string; audience?: string; turnedOff?: boolean };
      return [m.channelId, e.type, e.audience, e.turnedOff];
    });
  const settingsOf = async (account: Account) =>
    (await t.db.select().from(autoReloadSettings).where(eq(autoReloadSettings.accountId, account.id)))[0]!;

  it('charges the saved card once when the runway falls below the threshold, crediting through the one path', async () => {
    const account = await acme();
    expect(await check(account, at(2))).toMatchObject([{ kind: 'succeeded' }]);
    expect(await walletBalance(t.db, account.id)).toBe(40_000n);
    const [charge] = await charges();
    expect(charge).toMatchObject({ state: 'succeeded', amountCents: 30_000n, billingMonth: '2026-12' });
    expect(charge!.idempotencyKey).toBe(`autoreload:${account.id}:low:${at(2).toISOString()}`);
    expect((await reloads()).map((r) => [r.idempotencyKey, r.amount])).toEqual([
      [`reload:${charge!.paymentId}`, 30_000n],
    ]);
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, charge!.paymentId));
    expect(payment).toMatchObject({ status: 'paid', requestedBy: 'UADMIN1', provider: 'sandbox' });

    // Now at 2.0 months: above the threshold, nothing more; checked again, nothing again.
    expect(await check(account, at(2, 10))).toEqual([]);
    expect(await check(account, at(3))).toEqual([]);
    expect(await charges()).toHaveLength(1);
  });

  it('charges on a downward crossing only: still below after a charge, it waits to climb and fall again', async () => {
    const account = await acme('succeeds', { funded: 0n });
    await configureAutoReload(t.db, {
      accountId: account.id,
      enabled: true,
      thresholdTenths: 30, // 3.0 months = $600; one charge of $300 leaves it below
      amountCents: 30_000n,
      maxPerMonth: 10,
      by: 'UADMIN1',
      now: at(1),
    });
    expect(await check(account, at(2))).toHaveLength(1);
    expect(await check(account, at(3))).toEqual([]);
    expect(await check(account, at(4))).toEqual([]);
    await fund(t.db, account.id, 100_000n); // above
    expect(await check(account, at(5))).toEqual([]);
    await spend(t.db, account.id, 100_000n, 'usage-back-down');
    expect(await check(account, at(6))).toHaveLength(1);
    expect(await walletBalance(t.db, account.id)).toBe(60_000n);
  });

  it('stops at max_per_month in a billing month and starts again the next month', async () => {
    const account = await acme('succeeds', { maxPerMonth: 1 });
    expect(await check(account, at(2))).toHaveLength(1); // $400: 2.0 months
    expect(await check(account, at(2, 10))).toEqual([]); // the credit's own check: above the threshold
    await spend(t.db, account.id, 40_000n, 'usage-1');
    expect(await check(account, at(3))).toEqual([]);
    expect(await check(account, at(4))).toEqual([]);
    expect(await charges()).toHaveLength(1);
    expect(await walletBalance(t.db, account.id)).toBe(0n);
    // January: a new billing month, and the crossing held back in December is charged.
    expect(await check(account, new Date(Date.UTC(2027, 0, 1, 9)))).toHaveLength(1);
    expect((await charges()).map((c) => c.billingMonth)).toEqual(['2026-12', '2027-01']);
  });

  it('a decline tells each admin by DM with Reload and finance by a note, and waits 24 hours before a retry', async () => {
    const account = await acme('declines');
    expect(await check(account, at(2))).toMatchObject([{ kind: 'declined' }]);
    expect(await walletBalance(t.db, account.id)).toBe(10_000n);
    expect(await reloads()).toEqual([]);
    const [declined] = await charges();
    expect(declined).toMatchObject({
      state: 'declined',
      declineReason: 'card_declined: Your card was declined.',
    });
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, declined!.paymentId));
    expect(payment!.status).toBe('cancelled');
    expect(await messages()).toEqual([
      ['UADMIN1', 'auto_reload_declined', 'admins', false],
      ['UADMIN2', 'auto_reload_declined', 'admins', false],
      ['C0FINANCE', 'auto_reload_declined', 'finance', false],
    ]);
    expect(await settingsOf(account)).toMatchObject({
      enabled: true,
      consecutiveDeclines: 1,
      pausedUntil: at(3),
    });

    expect(await check(account, at(2, 12))).toEqual([]);
    expect(await check(account, at(3, 8))).toEqual([]);
    expect(await charges()).toHaveLength(1);
    expect(await check(account, at(3, 9))).toMatchObject([{ kind: 'declined' }]);
    expect((await charges()).map((c) => c.trigger)).toEqual([
      `low:${at(2).toISOString()}`,
      `retry:${declined!.id}`,
    ]);
  });

  it('turns auto-reload off after three declines in a row, saying so, and tries no more', async () => {
    const account = await acme('declines', { maxPerMonth: 10 });
    await check(account, at(2));
    await check(account, at(3, 10));
    await check(account, at(4, 11));
    expect(await settingsOf(account)).toMatchObject({
      enabled: false,
      consecutiveDeclines: 3,
      disabledReason: '3 declines',
      disabledAt: at(4, 11),
    });
    const turnedOff = (await messages()).filter((m) => m[3] === true);
    expect(turnedOff).toEqual([
      ['UADMIN1', 'auto_reload_declined', 'admins', true],
      ['UADMIN2', 'auto_reload_declined', 'admins', true],
      ['C0FINANCE', 'auto_reload_declined', 'finance', true],
    ]);
    expect(await check(account, at(6))).toEqual([]);
    expect(await charges()).toHaveLength(3);
    const { autoReload } = await accountSummary(t.db, account, at(6), TZ);
    expect(autoReload.lastDecline).toMatchObject({
      at: at(4, 11),
      reason: 'card_declined: Your card was declined.',
    });
  });

  it('an invoice left outstanding is charged at least the outstanding, and the credit settles it', async () => {
    const account = await acme('succeeds', { funded: 0n });
    await setSetting(t.db, 'finance_channel', 'C0FINANCE', 'UOWNER');
    const invoice = await owe(t.db, account.id, 45_000n, {
      month: '2026-11',
      issueDate: '2026-12-01',
      dueDate: '2026-12-08',
    });
    await t.db.update(invoices).set({ runId: 7 }).where(eq(invoices.id, invoice.id));
    const claimed = await claimInvoiceCharges(t.db, { ...ctx(at(1)), runId: 7 });
    expect(claimed).toMatchObject([{ amountCents: 45_000n, trigger: `invoice:${invoice.id}` }]);
    const [result] = await Promise.all(claimed.map((c) => run(c, at(1))));
    expect(result).toMatchObject({ kind: 'succeeded', confirmation: { kind: 'credited' } });
    const [settled] = await t.db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(settled).toMatchObject({ outstandingCents: 0n, status: 'paid' });
    expect(await walletBalance(t.db, account.id)).toBe(0n);
    // The same run again claims nothing more.
    expect(await claimInvoiceCharges(t.db, { ...ctx(at(1, 10)), runId: 7 })).toEqual([]);
  });

  it('a charge whose answer never came is found by its key, even a day later, and credited once', async () => {
    const account = await acme();
    const [charge] = await claimRunwayCharges(t.db, { ...ctx(at(2)), accountIds: [account.id] });
    // The provider charged, and the process died before it heard the answer.
    await provider().chargeOffSession({
      idempotencyKey: charge!.idempotencyKey,
      paymentId: charge!.paymentId,
      customerId: charge!.customerId,
      paymentMethodId: charge!.paymentMethodId,
      amountCents: charge!.amountCents,
      currency: 'USD',
      description: 'x',
    });
    const early = await recoverCharges(t.db, provider(), {
      ...ctx(at(2)),
      logger,
      accountName: async () => 'Acme',
    });
    expect(early).toEqual({ resolved: [], unresolved: 0 }); // within the grace: its call may still be in flight
    // Found by its key even a day later, when asking again could no longer be relied on to replay.
    const later = await recoverCharges(t.db, provider(), {
      ...ctx(at(3, 10)),
      logger,
      accountName: async () => 'Acme',
    });
    expect(later.resolved).toMatchObject([{ kind: 'succeeded', confirmation: { kind: 'credited' } }]);
    expect(await reloads()).toHaveLength(1);
    expect(await walletBalance(t.db, account.id)).toBe(40_000n);
  });

  it('a charge the provider never received is made by recovery while its key is kept, abandoned after', async () => {
    const account = await acme();
    const [first] = await claimRunwayCharges(t.db, { ...ctx(at(2)), accountIds: [account.id] });
    // Nothing in flight may start while it is pending.
    await spend(t.db, account.id, 10_000n, 'usage-1');
    expect(await claimRunwayCharges(t.db, { ...ctx(at(2, 9)), accountIds: [account.id] })).toEqual([]);
    const recovered = await recoverCharges(t.db, provider(), {
      ...ctx(at(2, 10)),
      logger,
      accountName: async () => 'Acme',
    });
    expect(recovered.resolved).toMatchObject([{ kind: 'succeeded' }]);
    expect(await t.db.select().from(sandboxCharges)).toHaveLength(1);

    // Another one lost, found only after the provider's key lapsed: it never happened.
    await spend(t.db, account.id, 30_000n, 'usage-2');
    await fund(t.db, account.id, 100_000n);
    await claimRunwayCharges(t.db, { ...ctx(at(3)), accountIds: [account.id] }); // above: ready to cross again
    await spend(t.db, account.id, 100_000n, 'usage-3');
    const [second] = await claimRunwayCharges(t.db, { ...ctx(at(4)), accountIds: [account.id] });
    expect(second).toBeDefined();
    const late = await recoverCharges(t.db, provider(), {
      ...ctx(at(6)),
      logger,
      accountName: async () => 'Acme',
    });
    expect(late.resolved).toMatchObject([{ kind: 'abandoned' }]);
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, second!.paymentId));
    expect(payment!.status).toBe('cancelled');
    expect((await charges()).map((c) => c.state)).toEqual(['succeeded', 'abandoned']);
    expect(first).toBeDefined();
  });

  it('an invoice left outstanding while a charge is in flight waits for it: one in flight per account', async () => {
    const account = await acme('succeeds', { maxPerMonth: 10 });
    const [pending] = await claimRunwayCharges(t.db, { ...ctx(at(2)), accountIds: [account.id] });
    const invoice = await owe(t.db, account.id, 45_000n, {
      month: '2026-11',
      issueDate: '2026-12-02',
      dueDate: '2026-12-09',
    });
    expect(await claimInvoiceCharges(t.db, { ...ctx(at(2, 10)), runId: invoice.runId })).toEqual([]);
    expect((await charges()).map((c) => [c.id, c.state])).toEqual([[pending!.id, 'pending']]);
    await run(pending!, at(2, 11)); // $300.00 + $100.00 pay $400.00 of the $450.00
    expect(await claimInvoiceCharges(t.db, { ...ctx(at(2, 12)), runId: invoice.runId })).toMatchObject([
      { trigger: `invoice:${invoice.id}`, amountCents: 30_000n },
    ]);
  });

  it('the database holds at most one charge in flight per account', async () => {
    const account = await acme();
    const [charge] = await claimRunwayCharges(t.db, { ...ctx(at(2)), accountIds: [account.id] });
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, charge!.paymentId));
    await t.db.insert(payments).values({ ...payment!, id: 'pay_TWIN0000000000001', viewId: 'twin' });
    const { id: _, ...twin } = charge!;
    const refused = await t.db
      .insert(autoReloadCharges)
      .values({ ...twin, idempotencyKey: `${twin.idempotencyKey}:twin`, paymentId: 'pay_TWIN0000000000001' })
      .catch((err: { cause?: Error }) => err.cause?.message);
    expect(refused).toMatch(/unique constraint "auto_reload_charges_one_in_flight"/);
    expect(await charges()).toHaveLength(1);
  });

  it('turning it on needs a card; removing the card turns it off; nothing is written on a refusal', async () => {
    const account = await billedAccount(t.db, 'Bare', 10);
    await expect(
      configureAutoReload(t.db, {
        accountId: account.id,
        enabled: true,
        thresholdTenths: 10,
        amountCents: 30_000n,
        maxPerMonth: 2,
        by: 'UADMIN1',
        now: at(1),
      }),
    ).rejects.toThrow(/save a card first/);
    expect(await t.db.select().from(autoReloadSettings)).toEqual([]);

    const acmeAccount = await acme();
    const unanswered = {
      ...provider(),
      detachCard: async () => {
        throw new Error('socket hang up');
      },
    };
    await expect(
      removeCard(t.db, unanswered, { accountId: acmeAccount.id, by: 'UADMIN2', now: at(2) }),
    ).rejects.toBeInstanceOf(CardNotDetachedError);
    expect(await t.db.select().from(savedCards)).toHaveLength(1); // still on file, and auto-reload still on
    expect(await settingsOf(acmeAccount)).toMatchObject({ enabled: true, disabledReason: null });
    expect(
      await removeCard(t.db, provider(), { accountId: acmeAccount.id, by: 'UADMIN2', now: at(2) }),
    ).toBeDefined();
    expect(await settingsOf(acmeAccount)).toMatchObject({
      enabled: false,
      disabledReason: 'the card was removed',
    });
    await spend(t.db, acmeAccount.id, 10_000n, 'usage');
    expect(await check(acmeAccount, at(3))).toEqual([]);
  });
});
