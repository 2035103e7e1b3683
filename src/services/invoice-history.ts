// What happened to an invoice after its issue (SPEC §14, §17): the transfers that settled it, and its write-off, read
// from the ledger links of `invoice_settlements`, for the invoice documents.

import { sql } from 'drizzle-orm';
import { type Db, queryRows, toBigInt } from '../db/client.js';
import { offlinePaymentReference } from './receivables.js';

/** The credit that settled (part of) an invoice: a wallet credit settles from the balance, finance records the rest. */
export type SettlementSource = 'reload' | 'code' | 'adjustment' | 'offline_payment';

export interface InvoiceSettlement {
  /** When the settling transfer was posted. */
  at: Date;
  amountCents: bigint;
  source: SettlementSource;
  /** What identifies the payment to the customer (a bank reference, a payment id); null when there is none. */
  reference: string | null;
}

export interface InvoiceWriteOff {
  at: Date;
  amountCents: bigint;
  reason: string;
}

export interface InvoiceHistory {
  /** In the order they were posted. */
  settlements: InvoiceSettlement[];
  writeOff: InvoiceWriteOff | null;
}

/** The ledger account a wallet credit came from, as the source a document names. */
const CREDIT_SOURCES: Readonly<Record<string, SettlementSource>> = {
  payments: 'reload',
  codes: 'code',
  adjustments: 'adjustment',
};

interface Row {
  at: unknown;
  amount: unknown;
  memo: string;
  from_kind: string;
  credit_key: string | null;
  credit_from: string | null;
  number: string;
  reason: string | null;
}

/** The settlements and the write-off of invoice `invoiceId`, in one query. */
export async function invoiceHistory(db: Db, invoiceId: number): Promise<InvoiceHistory> {
  const rows = await queryRows<Row>(
    db,
    sql`select t.created_at as at, t.amount, t.memo, f.kind as from_kind, c.idempotency_key as credit_key,
               cf.kind as credit_from, i.number, i.write_off_reason as reason
        from invoice_settlements s
        join invoices i on i.id = s.invoice_id
        join transfers t on t.id = s.transfer_id
        join ledger_accounts f on f.id = t.from_ledger_id
        left join transfers c on c.id = s.credit_transfer_id
        left join ledger_accounts cf on cf.id = c.from_ledger_id
        where s.invoice_id = ${invoiceId}
        order by t.id`,
  );
  const history: InvoiceHistory = { settlements: [], writeOff: null };
  for (const row of rows) {
    const at = new Date(row.at as string | Date);
    const amountCents = toBigInt(row.amount);
    if (row.from_kind === 'bad_debt') history.writeOff = { at, amountCents, reason: row.reason ?? '' };
    else history.settlements.push({ at, amountCents, ...sourceOf(row) });
  }
  return history;
}

function sourceOf(row: Row): Pick<InvoiceSettlement, 'source' | 'reference'> {
  if (row.from_kind === 'offline_payments')
    return { source: 'offline_payment', reference: offlinePaymentReference(row.memo, row.number) };
  const source = row.credit_from === null ? undefined : CREDIT_SOURCES[row.credit_from];
  if (row.from_kind !== 'wallet' || source === undefined)
    throw new Error(
      `a settlement of ${row.number} from ${row.from_kind}/${row.credit_from} has no known source`,
    );
  // A card reload is known to the customer by its payment id (the credit's key is `reload:<payment id>`).
  const reference = source === 'reload' ? (row.credit_key?.replace(/^reload:/, '') ?? null) : null;
  return { source, reference };
}
