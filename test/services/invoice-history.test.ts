import { expect, it } from 'vitest';
import { postAdjustment } from '../../src/services/adjustments.js';
import { issueBalanceCodes, redeemCode } from '../../src/services/codes.js';
import { invoiceHistory } from '../../src/services/invoice-history.js';
import { payInvoiceOffline, writeOffInvoice } from '../../src/services/receivables.js';
import { describeDatabases } from '../support/db.js';
import { makeAccount, owe, reloadNow } from '../support/fixtures.js';

// What an invoice document lists after the charge (SPEC §17): each settlement with the credit that paid it and the
// reference the customer knows it by, and the write-off with its reason.

const SECRET = 'invoice-history-secret-0123456789abcdef0123';
const at = (iso: string) => new Date(iso);
const context = (now: string) => ({ now: at(now), timeZone: 'UTC' });

describeDatabases('invoiceHistory', (t) => {
  it('names every settlement by its source and reference, in order, and the write-off apart', async () => {
    const account = await makeAccount(t.db, 'History Co');
    const invoice = await owe(t.db, account.id, 10_000n, {
      month: '2026-11',
      issueDate: '2026-12-01',
      dueDate: '2026-12-08',
    });
    await postAdjustment(t.db, {
      ...context('2026-12-02T10:00:00Z'),
      accountId: account.id,
      direction: 'credit',
      amountCents: 1_000n,
      reason: 'goodwill',
      actor: 'UFIN',
      currency: 'USD',
      requestId: 'trigger-adjust',
    });
    const [code] = await issueBalanceCodes(t.db, {
      amountCents: 2_000n,
      currency: 'USD',
      count: 1,
      requestId: 'trigger-codes',
      actor: 'USALES',
      now: at('2026-12-03T10:00:00Z'),
      secret: SECRET,
    });
    await redeemCode(t.db, {
      text: code!.code,
      accountId: account.id,
      actor: 'UADMIN',
      now: at('2026-12-03T10:00:00Z'),
      secret: SECRET,
      timeZone: 'UTC',
    });
    const reload = await reloadNow(t.db, account.id, 3_000n, context('2026-12-04T10:00:00Z'));
    await payInvoiceOffline(t.db, {
      ...context('2026-12-05T10:00:00Z'),
      number: invoice.number,
      amountCents: 1_500n,
      reference: 'BANK-778',
      actor: 'UFIN',
      requestId: 'trigger-bank',
    });
    await payInvoiceOffline(t.db, {
      ...context('2026-12-05T11:00:00Z'),
      number: invoice.number,
      amountCents: 500n,
      reference: '',
      actor: 'UFIN',
      requestId: 'trigger-bank-2',
    });
    await writeOffInvoice(t.db, {
      ...context('2026-12-06T10:00:00Z'),
      number: invoice.number,
      reason: 'Customer ceased trading',
      actor: 'UFIN',
      requestId: 'trigger-write-off',
    });

    const history = await invoiceHistory(t.db, invoice.id);
    expect(history.settlements.map((s) => [s.source, s.amountCents, s.reference])).toEqual([
      ['adjustment', 1_000n, null],
      ['code', 2_000n, null],
      ['reload', 3_000n, reload.kind === 'credited' ? reload.payment.id : 'not credited'],
      ['offline_payment', 1_500n, 'BANK-778'],
      ['offline_payment', 500n, null],
    ]);
    expect(history.writeOff).toMatchObject({ amountCents: 2_000n, reason: 'Customer ceased trading' });
    expect(history.writeOff!.at).toBeInstanceOf(Date);
    expect(history.settlements.every((s) => s.at instanceof Date && !Number.isNaN(s.at.getTime()))).toBe(
      true,
    );
  });

  it('is empty for an invoice nothing has settled', async () => {
    const account = await makeAccount(t.db, 'Quiet Co');
    const invoice = await owe(t.db, account.id, 10_000n, {
      month: '2026-11',
      issueDate: '2026-12-01',
      dueDate: '2026-12-08',
    });
    expect(await invoiceHistory(t.db, invoice.id)).toEqual({ settlements: [], writeOff: null });
  });
});
