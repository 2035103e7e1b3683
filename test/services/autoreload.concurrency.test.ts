import { like } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { autoReloadCharges, autoReloadSettings, outbox, transfers } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { addAdmins } from '../../src/services/accounts.js';
import {
  applyChargeOutcome,
  type ChargeContext,
  claimInvoiceCharges,
  claimRunwayCharges,
  configureAutoReload,
} from '../../src/services/autoreload.js';
import { customerFor, storeCard } from '../../src/services/payments/cards.js';
import { type SandboxTestCard, sandboxCard, sandboxProvider } from '../../src/services/payments/sandbox.js';
import { describePostgres } from '../support/db.js';
import { billedAccount, owe } from '../support/fixtures.js';

const NOW = new Date('2026-12-02T09:00:00Z');
const ctx: ChargeContext = { now: NOW, timeZone: 'UTC', currency: 'USD', financeChannel: 'C0FINANCE' };

// Races need many connections: PostgreSQL only (the test database's pool has 20).
describePostgres('auto-reload races', (t) => {
  /** 100 devices on Standard ($200.00 a month) holding $100.00, a saved card, auto-reload $300.00 below 1.0 month. */
  async function acme(card: SandboxTestCard = 'succeeds', maxPerMonth = 2) {
    const account = await billedAccount(t.db, 'Acme', 100, 10_000n);
    await addAdmins(t.db, account.id, [{ teamId: 'T1', userId: 'UADMIN1' }], 'UOWNER');
    const customerId = await customerFor(
      t.db,
      sandboxProvider(() => 'http://x', t.db),
      account,
      NOW,
    );
    await storeCard(t.db, {
      accountId: account.id,
      provider: 'sandbox',
      card: sandboxCard(customerId, card, NOW),
      paymentId: 'pay_SAVEDCARD0000001',
      now: NOW,
    });
    await configureAutoReload(t.db, {
      accountId: account.id,
      enabled: true,
      thresholdTenths: 10,
      amountCents: 30_000n,
      maxPerMonth,
      by: 'UADMIN1',
      now: NOW,
    });
    return account;
  }
  const reloads = () => t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'reload:%'));

  it('ten balance checks at once claim one charge', async () => {
    const account = await acme();
    const claimed = await Promise.all(
      Array.from({ length: 10 }, () => claimRunwayCharges(t.db, { ...ctx, accountIds: [account.id] })),
    );
    expect(claimed.flat()).toHaveLength(1);
    expect(await t.db.select().from(autoReloadCharges)).toHaveLength(1);
  });

  it('a balance check and an invoice run at once make one charge in flight, not two', async () => {
    const account = await acme('succeeds', 10);
    const invoice = await owe(t.db, account.id, 45_000n, {
      month: '2026-11',
      issueDate: '2026-12-01',
      dueDate: '2026-12-08',
    });
    const claimed = await Promise.all([
      ...Array.from({ length: 5 }, () => claimRunwayCharges(t.db, { ...ctx, accountIds: [account.id] })),
      ...Array.from({ length: 5 }, () => claimInvoiceCharges(t.db, { ...ctx, runId: invoice.runId })),
    ]);
    expect(claimed.flat()).toHaveLength(1);
  });

  it('the call, the webhook and recovery answering at once credit once', async () => {
    const account = await acme();
    const [charge] = await claimRunwayCharges(t.db, { ...ctx, accountIds: [account.id] });
    const outcome = {
      kind: 'succeeded' as const,
      providerRef: `sandbox_pi_${charge!.idempotencyKey}`,
      amountCents: 30_000n,
      currency: 'USD',
    };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => applyChargeOutcome(t.db, charge!.id, outcome, ctx)),
    );
    expect(results.filter((r) => r.kind === 'succeeded' && r.confirmation.kind === 'credited')).toHaveLength(
      1,
    );
    expect(await reloads()).toHaveLength(1);
    expect(await walletBalance(t.db, account.id)).toBe(40_000n);
  });

  it('a decline answered eight times at once counts once and tells each person once', async () => {
    const account = await acme('declines');
    const [charge] = await claimRunwayCharges(t.db, { ...ctx, accountIds: [account.id] });
    const outcome = {
      kind: 'declined' as const,
      providerRef: null,
      code: 'card_declined',
      reason: 'declined',
    };
    await Promise.all(Array.from({ length: 8 }, () => applyChargeOutcome(t.db, charge!.id, outcome, ctx)));
    const [settings] = await t.db.select().from(autoReloadSettings);
    expect(settings!.consecutiveDeclines).toBe(1);
    expect((await t.db.select().from(outbox)).map((m) => m.channelId).sort()).toEqual([
      'C0FINANCE',
      'UADMIN1',
    ]);
    expect(await walletBalance(t.db, account.id)).toBe(10_000n);
  });
});
