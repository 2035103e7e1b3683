import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { invoices, payments } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { type Account, createAccount } from '../../src/services/accounts.js';
import { UserError } from '../../src/services/errors.js';
import { payableInvoice, startInvoicePayment } from '../../src/services/payments/invoice-payment.js';
import { confirmPayment, type Payment } from '../../src/services/payments/payments.js';
import type { PaymentProvider } from '../../src/services/payments/provider.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { createStripeClient, stripeProvider } from '../../src/services/payments/stripe.js';
import { payInvoiceOffline } from '../../src/services/receivables.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { owe, truthfulReport } from '../support/fixtures.js';

const NOW = new Date('2026-12-04T10:00:00Z');
const CONTEXT = { now: NOW, timeZone: 'UTC' };

/** Stripe's Checkout Sessions endpoint, intercepted; the amounts it was asked for, in cents. */
function stripeCheckouts(): bigint[] {
  const amounts: bigint[] = [];
  nock('https://api.stripe.com')
    .persist()
    .post('/v1/checkout/sessions')
    .reply(200, (_uri, body) => {
      const params = Object.fromEntries(new URLSearchParams(String(body)));
      amounts.push(BigInt(params['line_items[0][price_data][unit_amount]']!));
      const id = `cs_test_${params['metadata[payment_id]']}`;
      return {
        id,
        object: 'checkout.session',
        url: `https://checkout.stripe.com/c/pay/${id}`,
        expires_at: 1_796_000_000,
      };
    });
  return amounts;
}

describeDatabases('the Pay button: a checkout for what an invoice has outstanding', (t) => {
  afterEach(() => nock.cleanAll());

  const providers: Record<'sandbox' | 'stripe', () => PaymentProvider> = {
    sandbox: () => sandboxProvider(() => 'http://localhost:3000', t.db),
    stripe: () =>
      stripeProvider(createStripeClient('sk_test_0123456789'), () => 'https://balance.example.com'),
  };

  let acme: Account;
  beforeEach(async () => {
    acme = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'U1' });
  });
  /** An invoice of the month, issued on the 1st of the next, all of it due. */
  const invoice = (amountDue: bigint, month: '2026-10' | '2026-11' = '2026-11') => {
    const issued = month === '2026-11' ? '2026-12' : '2026-11';
    return owe(t.db, acme.id, amountDue, { month, issueDate: `${issued}-01`, dueDate: `${issued}-08` });
  };
  const pay = async (provider: PaymentProvider, number: string, requestId = 'trigger-1') =>
    startInvoicePayment(t.db, provider, {
      invoice: await payableInvoice(t.db, number),
      accountName: 'Acme',
      currency: 'USD',
      requestId,
      requestedBy: 'UADMIN1',
      now: NOW,
    });
  const confirm = (payment: Payment) =>
    confirmPayment(t.db, payment.id, { actor: 'evt_paid', report: truthfulReport(payment), ...CONTEXT });
  const stateOf = async (id: number) => {
    const [row] = await t.db.select().from(invoices).where(eq(invoices.id, id));
    return { status: row!.status, outstanding: row!.outstandingCents };
  };

  for (const kind of ['sandbox', 'stripe'] as const) {
    it(`${kind}: checks out exactly the outstanding amount; the confirmation settles the invoice and leaves the wallet empty`, async () => {
      const asked = kind === 'stripe' ? stripeCheckouts() : [];
      const provider = providers[kind]();
      const inv = await invoice(19_050n);
      const payment = await pay(provider, inv.number);
      expect(payment).toMatchObject({
        accountId: acme.id,
        amountCents: 19_050n,
        status: 'pending',
        provider: kind,
        description: `invoice ${inv.number}`,
      });
      expect(payment.checkoutUrl).toMatch(
        kind === 'stripe' ? /^https:\/\/checkout\.stripe\.com\// : /\/pay\/sandbox\/pay_/,
      );
      if (kind === 'stripe') expect(asked).toEqual([19_050n]);
      // A retried click (the same trigger) is the same checkout.
      expect((await pay(provider, inv.number)).id).toBe(payment.id);
      expect(await t.db.select().from(payments)).toHaveLength(1);

      const confirmed = await confirm(payment);
      expect(confirmed.kind).toBe('credited');
      if (confirmed.kind !== 'credited') return;
      expect(confirmed.settlement.settled).toEqual([
        { invoiceId: inv.id, number: inv.number, amountCents: 19_050n, outstandingCents: 0n },
      ]);
      expect(confirmed.balanceCents).toBe(0n);
      expect(await stateOf(inv.id)).toEqual({ status: 'paid', outstanding: 0n });
      expect(await walletBalance(t.db, acme.id)).toBe(0n);
    });
  }

  it('a payment that lands after the invoice was paid another way stays on the balance', async () => {
    const inv = await invoice(19_050n);
    const payment = await pay(providers.sandbox(), inv.number);
    await payInvoiceOffline(t.db, {
      number: inv.number,
      amountCents: 19_050n,
      reference: 'bank transfer',
      actor: 'UFINANCE1',
      requestId: 'offline-1',
      ...CONTEXT,
    });
    const confirmed = await confirm(payment);
    expect(confirmed.kind === 'credited' && confirmed.settlement.settled).toEqual([]);
    expect(await walletBalance(t.db, acme.id)).toBe(19_050n);
    expect(await stateOf(inv.id)).toEqual({ status: 'paid', outstanding: 0n });
  });

  it('a click replayed after part was paid finds the first checkout, for its first amount; a new click asks for what is left', async () => {
    const inv = await invoice(19_050n);
    const provider = providers.sandbox();
    const first = await pay(provider, inv.number, 'trigger-a');
    await payInvoiceOffline(t.db, {
      number: inv.number,
      amountCents: 9_050n,
      reference: '',
      actor: 'UFINANCE1',
      requestId: 'offline-2',
      ...CONTEXT,
    });
    const replay = await pay(provider, inv.number, 'trigger-a');
    expect(replay).toMatchObject({ id: first.id, amountCents: 19_050n });
    const fresh = await pay(provider, inv.number, 'trigger-b');
    expect(fresh.amountCents).toBe(10_000n);
    // Both paid: the invoice is settled once, the rest stays on the balance.
    await confirm(first);
    await confirm(fresh);
    expect(await stateOf(inv.id)).toEqual({ status: 'paid', outstanding: 0n });
    expect(await walletBalance(t.db, acme.id)).toBe(19_050n);
  });

  it('an older open invoice is settled first, as with every credit', async () => {
    const october = await invoice(5_000n, '2026-10');
    const november = await invoice(19_050n);
    const confirmed = await confirm(await pay(providers.sandbox(), november.number));
    expect(
      confirmed.kind === 'credited' &&
        confirmed.settlement.settled.map((s) => [s.number, s.outstandingCents]),
    ).toEqual([
      [october.number, 0n],
      [november.number, 5_000n],
    ]);
  });

  const refusals: Array<[string, (numbers: { due: string; paid: string }) => string, RegExp]> = [
    ['an unknown number', () => 'INV-2026-09999', /^There is no invoice INV-2026-09999\.$/],
    ['a paid invoice', (n) => n.paid, /is paid: nothing is outstanding/],
    ['a number that is not one', () => 'INV-26-1', /invoice number/i],
    ['a NUL in the number', () => 'INV-2026-0000\u00001', /invoice number/i],
  ];
  for (const [what, number, error] of refusals) {
    it(`refuses ${what}, writing nothing and asking no provider`, async () => {
      const due = await invoice(19_050n);
      const paid = await invoice(5_000n, '2026-10');
      await payInvoiceOffline(t.db, {
        number: paid.number,
        amountCents: 5_000n,
        reference: '',
        actor: 'UFINANCE1',
        requestId: 'offline-3',
        ...CONTEXT,
      });
      const asked = stripeCheckouts();
      const before = await tableCounts(t.db);
      const attempt = pay(providers.stripe(), number({ due: due.number, paid: paid.number }));
      await expect(attempt).rejects.toBeInstanceOf(UserError);
      await expect(attempt).rejects.toThrow(error);
      expect(asked).toEqual([]);
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }
});
