// Invoice documents as the tests build them: one stored invoice (January 2026, Plus plan, 120 devices billed,
// 20 covered by packs, $210.00 paid from the balance, $190.00 due) and the settings of a deployment.

import {
  type InvoiceDocument,
  type InvoiceDocumentInput,
  type InvoiceSettlement,
  invoiceDocument,
  type StoredInvoice,
} from '../../src/app/invoice-document.js';

export const ISSUED_AT = new Date('2026-02-01T09:00:00Z');

export const STORED: StoredInvoice = {
  number: 'INV-2026-00042',
  month: '2026-01',
  unitPriceCents: 400n,
  billedDevices: 120,
  coveredDevices: 20,
  billableDevices: 100,
  chargeCents: 40_000n,
  paidFromBalanceCents: 21_000n,
  amountDueCents: 19_000n,
  issueDate: '2026-02-01',
  dueDate: '2026-02-08',
  createdAt: ISSUED_AT,
};

export const SETTINGS: InvoiceDocumentInput['settings'] = {
  issuer: { name: 'Balance Devices Inc.', addressLines: ['1 Market Street', 'San Francisco, CA 94105'] },
  currency: 'USD',
  timeZone: 'UTC',
};

export const RELOAD: InvoiceSettlement = {
  at: new Date('2026-02-03T15:30:00Z'),
  amountCents: 10_000n,
  source: 'reload',
  reference: 'pay_123',
};

export const BANK_TRANSFER: InvoiceSettlement = {
  at: new Date('2026-02-05T10:00:00Z'),
  amountCents: 9_000n,
  source: 'offline_payment',
  reference: 'BANK-778',
};

/** The fixture's document, as of its issue day unless told otherwise. */
export function documentOf(over: Partial<InvoiceDocumentInput> = {}): InvoiceDocument {
  return invoiceDocument({
    invoice: STORED,
    accountName: 'Acme Łódź – Müller & Söhne',
    planName: 'Plus',
    settlements: [],
    writeOff: null,
    settings: SETTINGS,
    now: ISSUED_AT,
    ...over,
  });
}
