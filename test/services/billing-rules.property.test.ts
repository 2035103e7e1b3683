import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { queryRows, toBigInt } from '../../src/db/client.js';
import { codes, deviceReadings, licensePacks } from '../../src/db/schema.js';
import { addMonths } from '../../src/domain/billing-month.js';
import {
  billedDeviceCountIn,
  coveredDeviceCount,
  type Reading,
  readingInEffect,
} from '../../src/domain/devices.js';
import { chargeFor, formatInvoiceNumber } from '../../src/domain/invoice.js';
import { monthlyCost } from '../../src/domain/pricing.js';
import {
  agingBucket,
  compareForSettlement,
  daysPastDue,
  invoiceState,
  outstanding,
  reminderDay,
} from '../../src/domain/receivables.js';
import { lowBalanceState } from '../../src/domain/runway.js';
import { payInvoiceOffline, writeOffInvoice } from '../../src/services/receivables.js';
import * as rules from '../../src/services/sql/billing-rules.js';
import { describeDatabases } from '../support/db.js';
import { makeAccount, owe } from '../support/fixtures.js';

// Each SQL fragment of a billing rule gives what its TypeScript rule gives, on random data: the set-based jobs
// (invoice run, balance check) and the one-account summary cannot drift from the domain.

const DAY = 86_400_000;
const ORIGIN = Date.UTC(2026, 9, 1); // October 2026: readings fall across three months and their edges
const instant = fc.integer({ min: 0, max: 92 * DAY }).map((ms) => new Date(ORIGIN + ms));
// Month edges are where the rules differ: put a good share of instants exactly on one.
const edge = fc.constantFrom(Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1)).map((ms) => new Date(ms));
const someInstant = fc.oneof(instant, edge);
const readingsArb = fc.array(fc.record({ count: fc.integer({ min: 0, max: 1_000_000 }), at: someInstant }), {
  maxLength: 8,
});
const month = fc.constantFrom('2026-10', '2026-11', '2026-12', '2027-01');
const packsArb = fc.array(
  fc.record({
    devices: fc.integer({ min: 1, max: 500 }),
    startMonth: month,
    months: fc.integer({ min: 1, max: 3 }),
  }),
  { maxLength: 4 },
);
const RUNS = { numRuns: 60 };

describeDatabases('billing rules in SQL', (t) => {
  async function value(fragment: SQL): Promise<unknown> {
    const [row] = await queryRows<{ v: unknown }>(t.db, sql`select ${fragment} as v`);
    return row?.v;
  }

  async function withReadings(input: Array<{ count: number; at: Date }>): Promise<[number, Reading[]]> {
    const account = await makeAccount(t.db, `Rules ${randomBytes(4).toString('hex')}`);
    const rows = input.length
      ? await t.db
          .insert(deviceReadings)
          .values(
            input.map((r) => ({
              accountId: account.id,
              count: r.count,
              effectiveAt: r.at,
              recordedBy: 'test',
            })),
          )
          .returning()
      : [];
    return [account.id, rows.map((r) => ({ id: r.id, count: r.count, at: r.effectiveAt }))];
  }

  it('the count in effect at an instant', async () => {
    await fc.assert(
      fc.asyncProperty(readingsArb, someInstant, async (input, when) => {
        const [accountId, readings] = await withReadings(input);
        const got = await value(rules.deviceCountAt(sql`${accountId}`, when));
        expect(got === null ? undefined : Number(got)).toBe(readingInEffect(readings, when)?.count);
      }),
      RUNS,
    );
  });

  it('the billed count of a whole month and of the month so far', async () => {
    await fc.assert(
      fc.asyncProperty(
        readingsArb,
        someInstant,
        someInstant,
        fc.boolean(),
        async (input, a, b, endIncluded) => {
          const [start, end] = a <= b ? [a, b] : [b, a];
          const [accountId, readings] = await withReadings(input);
          const window = { start, end, endIncluded };
          const got = Number(await value(rules.billedDevices(sql`${accountId}`, window)));
          expect(got).toBe(billedDeviceCountIn(readings, window));
        },
      ),
      RUNS,
    );
  });

  it('license-pack coverage of a month', async () => {
    await fc.assert(
      fc.asyncProperty(packsArb, month, async (input, asOf) => {
        const account = await makeAccount(t.db, `Packs ${randomBytes(4).toString('hex')}`);
        const packs = input.map((p) => ({ ...p, endMonth: addMonths(p.startMonth, p.months - 1) }));
        for (const pack of packs) {
          const [code] = await t.db
            .insert(codes)
            .values({
              kind: 'license_pack',
              hash: randomBytes(16).toString('hex'),
              last4: 'TEST',
              devices: pack.devices,
              months: pack.months,
              planCode: 'standard',
              status: 'redeemed',
              issuedBy: 'test',
              issuedAt: new Date(ORIGIN),
              redeemedBy: 'test',
              redeemedAccountId: account.id,
              redeemedAt: new Date(ORIGIN),
            })
            .returning();
          await t.db.insert(licensePacks).values({
            codeId: code!.id,
            accountId: account.id,
            devices: pack.devices,
            startMonth: pack.startMonth,
            endMonth: pack.endMonth,
            createdAt: new Date(ORIGIN),
          });
        }
        const got = Number(await value(rules.coveredDevices(sql`${account.id}`, asOf)));
        expect(got).toBe(coveredDeviceCount(packs, asOf));
      }),
      RUNS,
    );
  });

  const count = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 }));
  const cents = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10n ** 12n }));

  it('the monthly cost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(count), count, cents, async (devices, covered, price) => {
        const fragment = rules.monthlyCost(
          sql`${devices}::integer`,
          sql`${covered}::integer`,
          sql`${price.toString()}::bigint`,
        );
        expect(toBigInt(await value(fragment))).toBe(monthlyCost(devices ?? 0, covered, price));
      }),
      RUNS,
    );
  });

  // Balances around the charge as well as anywhere: paid = min(charge, balance) turns there.
  const chargeInputs = fc.oneof(
    fc.tuple(count, count, cents, cents),
    fc
      .tuple(count, count, fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.bigInt({ min: -1n, max: 1n }))
      .map(([billed, covered, price, nudge]) => {
        const balance = BigInt(Math.max(billed - covered, 0)) * price + nudge;
        return [billed, covered, price, balance < 0n ? 0n : balance] as const;
      }),
  );

  it("a month's charge and how it is paid", async () => {
    await fc.assert(
      fc.asyncProperty(chargeInputs, async ([billed, covered, price, balance]) => {
        const fragment = rules.monthCharge(
          sql`${billed}::integer`,
          sql`${covered}::bigint`,
          sql`${price.toString()}::bigint`,
          sql`${balance.toString()}::bigint`,
        );
        const [row] = await queryRows<Record<string, unknown>>(t.db, sql`select * from ${fragment} ch`);
        const expected = chargeFor(billed, covered, price, balance);
        expect({
          billableDevices: Number(row!.billable),
          chargeCents: toBigInt(row!.charge),
          paidFromBalanceCents: toBigInt(row!.paid),
          amountDueCents: toBigInt(row!.due),
          status: row!.status,
        }).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('the invoice number', async () => {
    const n = fc.oneof(
      fc.integer({ min: 1, max: 200_000 }),
      fc.constantFrom(9_999, 10_000, 99_999, 100_000, 999_999_999),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1000, max: 9999 }), n, async (year, number) => {
        const got = await value(rules.invoiceNumber(String(year), sql`${number}::bigint`));
        expect(got).toBe(formatInvoiceNumber(String(year), number));
      }),
      RUNS,
    );
  });

  // Random balances, and balances exactly on the threshold (runway = threshold), where `<` and `<=` differ.
  const stateInputs = fc.oneof(
    fc.tuple(cents, cents, fc.integer({ min: 1, max: 240 })),
    fc
      .tuple(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.integer({ min: 1, max: 240 }),
        fc.bigInt({ min: -1n, max: 1n }),
      )
      .map(([m, threshold, nudge]) => [m * BigInt(threshold) + nudge, m * 10n, threshold] as const),
  );

  it('the low-balance state', async () => {
    await fc.assert(
      fc.asyncProperty(stateInputs, async ([balance, monthly, threshold]) => {
        const fragment = rules.lowBalanceState(
          sql`${balance.toString()}::bigint`,
          sql`${monthly.toString()}::bigint`,
          sql`${threshold}::integer`,
        );
        expect(await value(fragment)).toBe(lowBalanceState(balance, monthly, threshold));
      }),
      RUNS,
    );
  });

  // Collections (SPEC §14). Dates across a year boundary and a leap day.
  const day = fc
    .integer({ min: 0, max: 800 })
    .map((n) => new Date(Date.UTC(2026, 10, 1) + n * 86_400_000).toISOString().slice(0, 10));

  it('the state of an invoice on a day', async () => {
    const status = fc.constantFrom('paid', 'due', 'written_off' as const);
    await fc.assert(
      fc.asyncProperty(status, day, day, async (s, dueDate, today) => {
        const fragment = rules.invoiceState(sql`${s}::text`, sql`${dueDate}::date`, today);
        expect(await value(fragment)).toBe(invoiceState(s, dueDate, today));
      }),
      RUNS,
    );
  });

  it('days past due and their aging bucket', async () => {
    // Around the bucket edges as well as anywhere.
    const nearEdge = fc
      .tuple(day, fc.constantFrom(0, 1, 30, 31, 60, 61, 90, 91), fc.integer({ min: -1, max: 1 }))
      .map(([dueDate, edge, nudge]) => {
        const today = new Date(Date.parse(`${dueDate}T00:00:00Z`) + (edge + nudge) * 86_400_000);
        return [dueDate, today.toISOString().slice(0, 10)] as const;
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.tuple(day, day), nearEdge), async ([dueDate, today]) => {
        const days = rules.daysPastDue(sql`${dueDate}::date`, today);
        expect(Number(await value(days))).toBe(daysPastDue(dueDate, today));
        expect(await value(rules.agingBucket(days))).toBe(agingBucket(daysPastDue(dueDate, today)));
      }),
      RUNS,
    );
  });

  it('the reminder day reached', async () => {
    const days = fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -5, max: 60 }), days, async (since, reminderDays) => {
        const got = await value(rules.reminderDay(sql`${since}::integer`, reminderDays));
        expect(got === null ? null : Number(got)).toBe(reminderDay(since, reminderDays));
      }),
      RUNS,
    );
  });

  it('the order later credit settles invoices in', async () => {
    const invoice = fc.record({
      id: fc.integer({ min: 1, max: 10_000 }),
      month: fc.constantFrom('2025-12', '2026-01', '2026-02', '2026-10', '2026-11'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(invoice, { selector: (i) => i.id, minLength: 1, maxLength: 8 }),
        async (open) => {
          const values = sql.join(
            open.map((i) => sql`(${i.id}::bigint, ${i.month}::text)`),
            sql`, `,
          );
          const rows = await queryRows<{ id: unknown }>(
            t.db,
            sql`select i.id from (values ${values}) as i(id, month) order by ${rules.settlementOrder('i')}`,
          );
          expect(rows.map((r) => Number(r.id))).toEqual(
            [...open].sort(compareForSettlement).map((i) => i.id),
          );
        },
      ),
      RUNS,
    );
  });

  it("an invoice's outstanding amount from the ledger", async () => {
    const NOW = new Date('2026-12-02T10:00:00Z');
    const context = { now: NOW, timeZone: 'UTC', actor: 'UFIN' };
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 8n }), { maxLength: 4 }),
        fc.boolean(),
        async (amountDue, payments, writeOff) => {
          const account = await makeAccount(t.db, `Owes ${randomBytes(4).toString('hex')}`);
          const invoice = await owe(t.db, account.id, amountDue, {
            month: '2026-11',
            issueDate: '2026-12-01',
            dueDate: '2026-12-08',
          });
          const paid: bigint[] = [];
          let left = amountDue;
          for (const amount of payments) {
            if (amount > left) continue;
            await payInvoiceOffline(t.db, {
              ...context,
              number: invoice.number,
              amountCents: amount,
              reference: '',
              requestId: randomBytes(8).toString('hex'),
            });
            paid.push(amount);
            left -= amount;
          }
          const writtenOff = writeOff && left > 0n ? left : 0n;
          if (writtenOff > 0n) {
            await writeOffInvoice(t.db, {
              ...context,
              number: invoice.number,
              reason: 'test',
              requestId: randomBytes(8).toString('hex'),
            });
          }
          const [row] = await queryRows<{ v: unknown }>(
            t.db,
            sql`select ${rules.outstandingFromLedger('i')} as v from invoices i where i.id = ${invoice.id}`,
          );
          expect(toBigInt(row?.v)).toBe(outstanding(amountDue, paid, writtenOff));
        },
      ),
      { numRuns: 25 },
    );
  });
});
