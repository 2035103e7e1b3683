import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { invoices } from '../../src/db/schema.js';
import { addMonths, monthStart } from '../../src/domain/billing-month.js';
import { chargeFor } from '../../src/domain/invoice.js';
import { allocateSettlement, invoiceStatus } from '../../src/domain/receivables.js';
import { receivableBalance, walletBalance } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { createAccount } from '../../src/services/accounts.js';
import { postAdjustment } from '../../src/services/adjustments.js';
import { issueBalanceCodes, redeemCode } from '../../src/services/codes.js';
import { reviewSuspensions } from '../../src/services/collections.js';
import { recordReading } from '../../src/services/devices.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { confirmPayment, startPayment } from '../../src/services/payments/payments.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { payInvoiceOffline, writeOffInvoice } from '../../src/services/receivables.js';
import { describeDatabases, resetDatabase } from '../support/db.js';

// SPEC §14 as a model: random sequences of invoice runs, credits (reload, redemption, adjustment), offline payments,
// write-offs, device changes and daily suspension reviews, played against the services and against a plain model
// built on the domain's rules (chargeFor, allocateSettlement). After every step the wallets, receivables and
// invoices are what the model says, and the ledger verifies.

const TZ = 'UTC';
const SECRET = 'receivables-property-secret-0123456789abcdef';
const FIRST_MONTH = '2026-11';
const ACCOUNTS = 2;

type Step =
  | { kind: 'run' }
  | { kind: 'devices'; account: number; count: number }
  | { kind: 'credit'; account: number; via: 'reload' | 'redeem' | 'adjust'; amount: bigint }
  | { kind: 'offline'; account: number; pick: number; share: number }
  | { kind: 'write_off'; account: number; pick: number }
  | { kind: 'review' };

const account = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'run' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('devices' as const),
      account,
      count: fc.integer({ min: 0, max: 300 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('credit' as const),
      account,
      via: fc.constantFrom('reload' as const, 'redeem' as const, 'adjust' as const),
      amount: fc.oneof(fc.bigInt({ min: 100n, max: 80_000n }), fc.constantFrom(100n, 19_000n, 40_000n)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('offline' as const),
      account,
      pick: fc.nat(),
      share: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('write_off' as const), account, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'review' as const }) },
);

interface ModelInvoice {
  id: number;
  number: string;
  month: string;
  amountDue: bigint;
  outstanding: bigint;
  writtenOff: boolean;
}

describeDatabases('settlement arithmetic', (t) => {
  it('keeps every SPEC §14 invariant and verify green over random histories', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: ACCOUNTS, maxLength: ACCOUNTS }),
        fc.array(step, { minLength: 1, maxLength: 16 }),
        async (devices, steps) => {
          await resetDatabase(t.db);
          let clock = monthStart(FIRST_MONTH, TZ).getTime();
          const tick = () => {
            clock += 3_600_000;
            return new Date(clock);
          };
          const ids: number[] = [];
          // `billed`: the highest count in effect so far in the month to be billed next (the clock is always in it).
          const model = devices.map((count) => ({
            wallet: 0n,
            current: count,
            billed: count,
            invoices: [] as ModelInvoice[],
          }));
          for (const [i, count] of devices.entries()) {
            const a = await createAccount(t.db, {
              name: `Acct ${i}`,
              planCode: 'standard',
              actor: 'U1',
              at: new Date(clock),
            });
            ids.push(a.id);
            await recordReading(t.db, { accountId: a.id, count, at: tick(), by: 'U1' });
          }
          let month = FIRST_MONTH;
          const context = () => ({ now: tick(), timeZone: TZ });
          const settleInModel = (m: (typeof model)[number]) => {
            const open = m.invoices.filter((inv) => inv.outstanding > 0n);
            for (const paid of allocateSettlement(
              m.wallet,
              open.map((inv) => ({ id: inv.id, month: inv.month, outstandingCents: inv.outstanding })),
            )) {
              open.find((inv) => inv.id === paid.invoice.id)!.outstanding -= paid.amountCents;
              m.wallet -= paid.amountCents;
            }
          };

          for (const s of steps) {
            if (s.kind === 'run') {
              clock = Math.max(clock, monthStart(addMonths(month, 1), TZ).getTime() + 9 * 3_600_000);
              await runInvoices(t.db, { now: tick(), timeZone: TZ, month, paymentTermsDays: 7 });
              const made = await t.db.select().from(invoices).where(eq(invoices.month, month));
              for (const [i, m] of model.entries()) {
                const charge = chargeFor(m.billed, 0, 200n, m.wallet);
                m.billed = m.current;
                m.wallet -= charge.paidFromBalanceCents;
                const row = made.find((inv) => inv.accountId === ids[i])!;
                expect(row.amountDueCents).toBe(charge.amountDueCents);
                m.invoices.push({
                  id: row.id,
                  number: row.number,
                  month,
                  amountDue: charge.amountDueCents,
                  outstanding: charge.amountDueCents,
                  writtenOff: false,
                });
              }
              month = addMonths(month, 1);
            } else if (s.kind === 'devices') {
              await recordReading(t.db, { accountId: ids[s.account]!, count: s.count, at: tick(), by: 'U1' });
              const m = model[s.account]!;
              m.current = s.count;
              m.billed = Math.max(m.billed, s.count);
            } else if (s.kind === 'credit') {
              const accountId = ids[s.account]!;
              const now = context();
              let balance: bigint;
              if (s.via === 'reload') {
                const payment = await startPayment(
                  t.db,
                  sandboxProvider(() => 'http://x', t.db),
                  {
                    accountId,
                    accountName: 'x',
                    amountCents: s.amount,
                    currency: 'USD',
                    description: null,
                    viewId: `V${randomBytes(6).toString('hex')}`,
                    requestedBy: 'U1',
                    now: now.now,
                  },
                );
                const c = await confirmPayment(t.db, payment.id, {
                  ...now,
                  actor: 'sandbox',
                  report: { provider: 'sandbox' },
                });
                balance = c.kind === 'credited' ? c.balanceCents : -1n;
              } else if (s.via === 'redeem') {
                const [code] = await issueBalanceCodes(t.db, {
                  amountCents: s.amount,
                  currency: 'USD',
                  count: 1,
                  requestId: randomBytes(8).toString('hex'),
                  actor: 'U1',
                  now: now.now,
                  secret: SECRET,
                });
                const r = await redeemCode(t.db, {
                  ...now,
                  text: code!.code,
                  accountId,
                  actor: 'U1',
                  secret: SECRET,
                });
                balance = r.ok && r.kind === 'balance' ? r.balanceCents : -1n;
              } else {
                const r = await postAdjustment(t.db, {
                  ...now,
                  accountId,
                  direction: 'credit',
                  amountCents: s.amount,
                  reason: 'test',
                  actor: 'U1',
                  currency: 'USD',
                  requestId: randomBytes(8).toString('hex'),
                });
                balance = r.balanceCents;
              }
              const m = model[s.account]!;
              m.wallet += s.amount;
              settleInModel(m);
              expect(balance).toBe(m.wallet);
            } else if (s.kind === 'offline' || s.kind === 'write_off') {
              const m = model[s.account]!;
              const open = m.invoices.filter((inv) => inv.outstanding > 0n);
              if (open.length === 0) continue;
              const target = open[s.pick % open.length]!;
              const requestId = randomBytes(8).toString('hex');
              if (s.kind === 'offline') {
                const amount = (target.outstanding * BigInt(s.share) + 99n) / 100n; // 1–100% of it, at least 1 cent
                await payInvoiceOffline(t.db, {
                  ...context(),
                  number: target.number,
                  amountCents: amount,
                  reference: '',
                  actor: 'U1',
                  requestId,
                });
                target.outstanding -= amount;
              } else {
                await writeOffInvoice(t.db, {
                  ...context(),
                  number: target.number,
                  reason: 'test',
                  actor: 'U1',
                  requestId,
                });
                target.outstanding = 0n;
                target.writtenOff = true;
              }
            } else {
              await reviewSuspensions(t.db, context());
            }

            for (const [i, m] of model.entries()) {
              expect(await walletBalance(t.db, ids[i]!)).toBe(m.wallet);
              const owed = m.invoices.reduce((total, inv) => total + inv.outstanding, 0n);
              expect(await receivableBalance(t.db, ids[i]!)).toBe(-owed);
            }
            const rows = await t.db.select().from(invoices);
            for (const m of model) {
              for (const inv of m.invoices) {
                const row = rows.find((r) => r.id === inv.id)!;
                expect([row.outstandingCents, row.status, row.amountDueCents]).toEqual([
                  inv.outstanding,
                  invoiceStatus(inv.outstanding, inv.writtenOff),
                  inv.amountDue,
                ]);
              }
            }
          }
          expect((await verifyLedger(t.db)).problems).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});
