import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { queryRows, toBigInt } from '../../src/db/client.js';
import { invoiceSettlements, invoices, transfers } from '../../src/db/schema.js';
import { postTransfer, receivableBalance, walletBalance } from '../../src/ledger/ledger.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { type Account, linkChannel } from '../../src/services/accounts.js';
import { postAdjustment } from '../../src/services/adjustments.js';
import { issueBalanceCodes, redeemCode } from '../../src/services/codes.js';
import { AlreadyDoneError } from '../../src/services/errors.js';
import { runInvoices } from '../../src/services/invoicing.js';
import {
  AboveOutstandingError,
  InvoiceClosedError,
  NoInvoiceError,
  payInvoiceOffline,
  RequestConflictError,
  writeOffInvoice,
} from '../../src/services/receivables.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { billedAccount, fund, reloadNow } from '../support/fixtures.js';

const TZ = 'UTC';
const _NOV_1 = new Date('2026-11-01T00:00:00Z');
const DEC_1 = new Date('2026-12-01T09:00:00Z');
const JAN_1 = new Date('2027-01-01T09:00:00Z');
const SECRET = 'receivables-test-secret-0123456789abcdef0123';

describeDatabases('receivables and settlement', (t) => {
  const context = (now: Date) => ({ now, timeZone: TZ, financeChannel: 'C0FIN' });

  /** An account billed `devices` × $2.00 a month from November 2026, holding `funded`. */
  const account = async (name: string, devices: number, funded = 0n): Promise<Account> => {
    const a = await billedAccount(t.db, name, devices, funded);
    await linkChannel(t.db, `C0${name.toUpperCase().replace(/\W/g, '')}`, a.id, 'U1');
    return a;
  };
  const run = (now: Date, paymentTermsDays = 7) =>
    runInvoices(t.db, { now, timeZone: TZ, paymentTermsDays, financeChannel: 'C0FIN' });
  const invoicesOf = (accountId: number) =>
    t.db.select().from(invoices).where(eq(invoices.accountId, accountId)).orderBy(invoices.month);
  const reload = (accountId: number, amountCents: bigint, now: Date) =>
    reloadNow(t.db, accountId, amountCents, context(now));
  const sumOf = async (kind: string) => {
    const [row] = await queryRows<{ v: unknown }>(
      t.db,
      sql`select coalesce(sum(t.amount), 0) as v from transfers t join ledger_accounts l on l.id = t.to_ledger_id
          where l.kind = ${kind}`,
    );
    return toBigInt(row?.v);
  };

  it('the invoice run posts what the wallet could not pay as a debt, due after the payment terms', async () => {
    const short = await account('Short', 100, 5_000n); // $200.00 charged, $50.00 in the wallet
    await run(DEC_1);
    const [invoice] = await invoicesOf(short.id);
    expect(invoice).toMatchObject({
      chargeCents: 20_000n,
      paidFromBalanceCents: 5_000n,
      amountDueCents: 15_000n,
      outstandingCents: 15_000n,
      status: 'due',
      issueDate: '2026-12-01',
      dueDate: '2026-12-08',
    });
    const [due] = await t.db
      .select()
      .from(transfers)
      .where(eq(transfers.idempotencyKey, `due:${short.id}:2026-11`));
    expect(due).toMatchObject({ id: invoice!.dueTransferId, amount: 15_000n, actor: 'system' });
    expect(await receivableBalance(t.db, short.id)).toBe(-15_000n);
    expect(await walletBalance(t.db, short.id)).toBe(0n);
    // Revenue holds the full charge: what the wallet paid and what is owed.
    expect(await sumOf('usage_revenue')).toBe(20_000n);
  });

  it('an invoice paid in full owes nothing and posts no debt; terms of 0 days make it due on its issue day', async () => {
    const paid = await account('Paid', 10, 100_000n);
    const owing = await account('Owing', 10);
    await run(DEC_1, 0);
    expect((await invoicesOf(paid.id))[0]).toMatchObject({
      outstandingCents: 0n,
      status: 'paid',
      dueTransferId: null,
    });
    expect((await invoicesOf(owing.id))[0]).toMatchObject({
      dueDate: '2026-12-01',
      outstandingCents: 2_000n,
    });
    expect(await receivableBalance(t.db, paid.id)).toBe(0n);
    expect(
      await t.db
        .select()
        .from(transfers)
        .where(eq(transfers.idempotencyKey, `due:${paid.id}:2026-11`)),
    ).toEqual([]);
  });

  it('a card reload settles the open invoices oldest first and keeps the rest on the balance', async () => {
    const acme = await account('Acme', 95); // $190.00 a month, nothing in the wallet
    await run(JAN_1); // November and December: $190.00 due on each
    const [nov, dec] = await invoicesOf(acme.id);
    const confirmation = await reload(acme.id, 30_000n, new Date('2027-01-03T10:00:00Z'));
    expect(confirmation.kind).toBe('credited');
    if (confirmation.kind !== 'credited') return;
    expect(confirmation.settlement.settled).toEqual([
      { invoiceId: nov!.id, number: nov!.number, amountCents: 19_000n, outstandingCents: 0n },
      { invoiceId: dec!.id, number: dec!.number, amountCents: 11_000n, outstandingCents: 8_000n },
    ]);
    expect(confirmation.balanceCents).toBe(0n);
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
    expect(await receivableBalance(t.db, acme.id)).toBe(-8_000n);
    expect((await invoicesOf(acme.id)).map((i) => [i.status, i.outstandingCents])).toEqual([
      ['paid', 0n],
      ['due', 8_000n],
    ]);
    // Each settlement is a wallet → receivable transfer keyed by invoice and credit, linked to its invoice.
    const credit = confirmation.payment.transferId!;
    const links = await t.db.select().from(invoiceSettlements);
    expect(links.map((l) => [l.invoiceId, l.creditTransferId])).toEqual([
      [nov!.id, credit],
      [dec!.id, credit],
    ]);
    const keys = (await t.db.select().from(transfers)).map((x) => x.idempotencyKey);
    expect(keys).toEqual(
      expect.arrayContaining([`settle:${nov!.id}:${credit}`, `settle:${dec!.id}:${credit}`]),
    );

    // The next reload pays what is left and keeps the rest.
    const next = await reload(acme.id, 50_000n, new Date('2027-01-04T10:00:00Z'));
    expect(next.kind === 'credited' && next.settlement.settled).toEqual([
      { invoiceId: dec!.id, number: dec!.number, amountCents: 8_000n, outstandingCents: 0n },
    ]);
    expect(next.kind === 'credited' && next.balanceCents).toBe(42_000n);
    expect(await receivableBalance(t.db, acme.id)).toBe(0n);
  });

  it('a credit to an account that owes nothing settles nothing', async () => {
    const clear = await account('Clear', 10, 100_000n);
    await run(DEC_1);
    const confirmation = await reload(clear.id, 10_000n, new Date('2026-12-03T10:00:00Z'));
    expect(confirmation.kind === 'credited' && confirmation.settlement).toEqual({
      settled: [],
      balanceCents: 100_000n - 2_000n + 10_000n,
      restored: false,
    });
  });

  it('a redeemed balance code settles what is owed before it adds to the balance', async () => {
    const acme = await account('Redeemer', 95);
    await run(DEC_1);
    const now = new Date('2026-12-03T10:00:00Z');
    const [code] = await issueBalanceCodes(t.db, {
      amountCents: 50_000n,
      currency: 'USD',
      count: 1,
      requestId: 'trigger.redeemer',
      actor: 'USALES',
      now,
      secret: SECRET,
    });
    const result = await redeemCode(t.db, {
      text: code!.code,
      accountId: acme.id,
      actor: 'UADMIN',
      now,
      secret: SECRET,
      timeZone: TZ,
    });
    expect(
      result.ok &&
        result.kind === 'balance' &&
        result.settlement.settled.map((s) => [s.amountCents, s.outstandingCents]),
    ).toEqual([[19_000n, 0n]]);
    expect(result.ok && result.kind === 'balance' && result.balanceCents).toBe(31_000n);
    expect(await walletBalance(t.db, acme.id)).toBe(31_000n);
  });

  it('a positive adjustment settles once: its replay settles nothing new and answers the same; a debit settles nothing', async () => {
    const acme = await account('Adjusted', 95);
    await run(DEC_1);
    const adjust = (direction: 'credit' | 'debit', amountCents: bigint, requestKey: string) =>
      postAdjustment(t.db, {
        ...context(new Date('2026-12-03T10:00:00Z')),
        accountId: acme.id,
        direction,
        amountCents,
        reason: 'goodwill',
        actor: 'UFIN',
        currency: 'USD',
        requestId: requestKey,
      });
    const first = await adjust('credit', 10_000n, 'trigger-1');
    expect(first.settlement?.settled.map((s) => [s.amountCents, s.outstandingCents])).toEqual([
      [10_000n, 9_000n],
    ]);
    expect(first.balanceCents).toBe(0n);
    const before = await tableCounts(t.db);
    // A replay posts and settles nothing new, and says so.
    await expect(adjust('credit', 10_000n, 'trigger-1')).rejects.toBeInstanceOf(AlreadyDoneError);
    expect(await tableCounts(t.db)).toEqual(before);
    expect(await receivableBalance(t.db, acme.id)).toBe(-9_000n);
    await fund(t.db, acme.id, 5_000n); // money put in outside a credit path
    const debit = await adjust('debit', 1_000n, 'trigger-2');
    expect(debit.settlement).toBeNull();
    expect(await receivableBalance(t.db, acme.id)).toBe(-9_000n);
  });

  it('records an offline payment against one invoice, refusing more than is outstanding, writing nothing', async () => {
    const acme = await account('Wire Co', 95);
    await run(DEC_1);
    const [invoice] = await invoicesOf(acme.id);
    const pay = (
      amountCents: bigint,
      requestId: string,
      number = invoice!.number,
      reference = 'bank ref 881',
    ) =>
      payInvoiceOffline(t.db, {
        ...context(new Date('2026-12-04T10:00:00Z')),
        number,
        amountCents,
        reference,
        actor: 'UFIN',
        requestId,
      });
    const partial = await pay(4_000n, 'trig-a');
    expect(partial).toMatchObject({
      number: invoice!.number,
      amountCents: 4_000n,
      outstandingCents: 15_000n,
      status: 'due',
      replayed: false,
    });
    const [posted] = await t.db
      .select()
      .from(transfers)
      .where(eq(transfers.idempotencyKey, 'offline:trig-a'));
    expect(posted).toMatchObject({
      amount: 4_000n,
      actor: 'UFIN',
      memo: `Offline payment for ${invoice!.number}: bank ref 881`,
    });

    const before = await tableCounts(t.db);
    const tooMuch = await pay(15_001n, 'trig-b').catch((e: unknown) => e);
    expect(tooMuch).toBeInstanceOf(AboveOutstandingError);
    expect((tooMuch as AboveOutstandingError).outstandingCents).toBe(15_000n);
    const unknown = await pay(100n, 'trig-c', 'INV-2026-09999').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(NoInvoiceError);
    expect((unknown as Error).message).toBe('There is no invoice INV-2026-09999.');
    await expect(pay(100n, 'trig-d', 'INV-26-1')).rejects.toThrow('is not an invoice number');
    await expect(pay(0n, 'trig-e')).rejects.toThrow('positive');
    await expect(pay(100n, 'trig-f', invoice!.number, 'bad\u0000ref')).rejects.toThrow('control characters');
    expect(await tableCounts(t.db)).toEqual(before);

    const rest = await pay(15_000n, 'trig-g');
    expect(rest).toMatchObject({ outstandingCents: 0n, status: 'paid' });
    expect(await pay(100n, 'trig-h').catch((e: unknown) => e)).toBeInstanceOf(InvoiceClosedError);
    expect(await receivableBalance(t.db, acme.id)).toBe(0n);
    expect(await sumOf('offline_payments')).toBe(0n); // offline_payments only ever pays out
  });

  it('a replayed offline payment records nothing and answers as the first time; a conflicting one is refused', async () => {
    const acme = await account('Replay Co', 95);
    const other = await account('Other Co', 50);
    await run(DEC_1);
    const [invoice] = await invoicesOf(acme.id);
    const [otherInvoice] = await invoicesOf(other.id);
    const pay = (number: string, amountCents: bigint, reference = '') =>
      payInvoiceOffline(t.db, {
        ...context(new Date('2026-12-04T10:00:00Z')),
        number,
        amountCents,
        reference,
        actor: 'UFIN',
        requestId: 'trigger-42',
      });
    const first = await pay(invoice!.number, 19_000n);
    const before = await tableCounts(t.db);
    // Replayed after the invoice was paid: still the first answer, not "already paid".
    expect(await pay(invoice!.number, 19_000n)).toEqual({ ...first, replayed: true });
    for (const conflict of [
      () => pay(invoice!.number, 10_000n),
      () => pay(invoice!.number, 19_000n, 'another ref'),
      () => pay(otherInvoice!.number, 19_000n),
    ]) {
      expect(await conflict().catch((e: unknown) => e)).toBeInstanceOf(RequestConflictError);
    }
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('writes off what is outstanding, keeping who and why; a later credit does not pay a written-off invoice', async () => {
    const acme = await account('Gone Co', 95);
    await run(JAN_1);
    const [nov, dec] = await invoicesOf(acme.id);
    await payInvoiceOffline(t.db, {
      ...context(new Date('2027-01-02T10:00:00Z')),
      number: nov!.number,
      amountCents: 4_000n,
      reference: '',
      actor: 'UFIN',
      requestId: 'trig-pay',
    });
    const now = new Date('2027-01-05T10:00:00Z');
    const writeOff = (number: string, requestId: string, reason = 'customer closed') =>
      writeOffInvoice(t.db, { ...context(now), number, reason, actor: 'UFIN', requestId });
    const result = await writeOff(nov!.number, 'trig-wo');
    expect(result).toMatchObject({
      amountCents: 15_000n,
      outstandingCents: 0n,
      status: 'written_off',
      replayed: false,
    });
    const [row] = await t.db.select().from(invoices).where(eq(invoices.id, nov!.id));
    expect(row).toMatchObject({
      status: 'written_off',
      outstandingCents: 0n,
      writtenOffBy: 'UFIN',
      writtenOffAt: now,
      writeOffReason: 'customer closed',
      amountDueCents: 19_000n, // the issued figures do not change
      paidFromBalanceCents: 0n,
    });
    expect(await sumOf('bad_debt')).toBe(0n);
    expect(await receivableBalance(t.db, acme.id)).toBe(-19_000n); // December is still owed

    const before = await tableCounts(t.db);
    expect(await writeOff(nov!.number, 'trig-wo')).toEqual({ ...result, replayed: true });
    expect(await writeOff(nov!.number, 'trig-wo', 'another reason').catch((e: unknown) => e)).toBeInstanceOf(
      RequestConflictError,
    );
    const again = await writeOff(nov!.number, 'trig-wo2').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(InvoiceClosedError);
    expect((again as InvoiceClosedError).message).toBe(
      `${nov!.number} is written off: nothing is outstanding on it.`,
    );
    await expect(writeOff(nov!.number, 'trig-wo3', '  ')).rejects.toThrow('Give the reason');
    expect(await tableCounts(t.db)).toEqual(before);

    const credit = await reload(acme.id, 50_000n, new Date('2027-01-06T10:00:00Z'));
    expect(credit.kind === 'credited' && credit.settlement.settled.map((s) => s.invoiceId)).toEqual([
      dec!.id,
    ]);
    expect(await walletBalance(t.db, acme.id)).toBe(31_000n);
  });

  it('a paid invoice cannot be written off', async () => {
    const paid = await account('Paid Up', 10, 100_000n);
    await run(DEC_1);
    const [invoice] = await invoicesOf(paid.id);
    const refused = await writeOffInvoice(t.db, {
      ...context(DEC_1),
      number: invoice!.number,
      reason: 'x',
      actor: 'UFIN',
      requestId: 'trig-1',
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvoiceClosedError);
    expect((refused as InvoiceClosedError).status).toBe('paid');
  });

  it('the database refuses a receivable above zero and an invoice settled beyond its amount due', async () => {
    const acme = await account('Guarded', 95);
    await run(DEC_1);
    const [invoice] = await invoicesOf(acme.id);
    const code = async (query: Promise<unknown>) => {
      const err = await query.catch((e: unknown) => e);
      return (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    };
    expect(
      await code(
        t.db.execute(
          sql`update ledger_accounts set balance = 1 where kind = 'receivable' and account_id = ${acme.id}`,
        ),
      ),
    ).toBe('23514');
    expect(
      await code(t.db.execute(sql`update invoices set outstanding_cents = -1 where id = ${invoice!.id}`)),
    ).toBe('23514');
    expect(
      await code(t.db.execute(sql`update invoices set outstanding_cents = 0 where id = ${invoice!.id}`)), // status says due
    ).toBe('23514');
  });

  it('verify names a receivable that disagrees with its invoices and an invoice that disagrees with the ledger', async () => {
    const acme = await account('Tampered', 95);
    await run(DEC_1);
    const [invoice] = await invoicesOf(acme.id);
    const [receivable] = await queryRows<{ id: unknown }>(
      t.db,
      sql`select id from ledger_accounts where kind = 'receivable' and account_id = ${acme.id}`,
    );
    t.expectBrokenLedger();
    // A payment into the receivable that no invoice knows of.
    await postTransfer(t.db, {
      key: 'stray',
      from: { system: 'offline_payments' },
      to: { receivable: acme.id },
      amount: 1_000n,
      actor: 'test',
      memo: 'stray',
    });
    expect((await verifyLedger(t.db)).problems).toEqual([
      `receivable of "Tampered" (ledger account ${receivable!.id}): balance -18000 ≠ minus the outstanding amounts of its invoices (19000)`,
    ]);
    // An invoice whose outstanding amount no longer follows from its settlements.
    await t.db.execute(sql`update invoices set outstanding_cents = 18000 where id = ${invoice!.id}`);
    expect((await verifyLedger(t.db)).problems).toEqual([
      `invoice ${invoice!.number} of "Tampered": outstanding 18000 ≠ amount due less its settlements 19000`,
    ]);
    // Settled beyond its amount due (linked to a transfer that was not a settlement of it).
    await t.db.insert(invoiceSettlements).values({
      invoiceId: invoice!.id,
      transferId: (await t.db.select().from(transfers).where(eq(transfers.idempotencyKey, 'stray')))[0]!.id,
    });
    await t.db
      .insert(invoiceSettlements)
      .values({ invoiceId: invoice!.id, transferId: invoice!.dueTransferId! });
    expect((await verifyLedger(t.db)).problems).toEqual([
      `invoice ${invoice!.number} of "Tampered": settled 1000 more than its amount due`,
      `invoice ${invoice!.number} of "Tampered" (transfer ${invoice!.dueTransferId}): settled by a transfer into another ledger account`,
    ]);
  });
});
