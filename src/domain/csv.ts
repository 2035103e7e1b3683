// CSV files for finance (exports, the invoice run's attachment): RFC 4180 quoting, CRLF line ends, and a
// defence against formula injection, since these files are opened in spreadsheets.

import type { InvoiceFigures } from './invoice.js';
import { decimalAmount } from './money.js';
import { AGING_BUCKETS, type AgingBucket } from './receivables.js';

export type CsvCell = string | number | bigint | null;

// A spreadsheet reads a cell starting with one of these as a formula (full-width forms too, in some locales).
const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/u;
// A plain negative number (`-12.50`) is data, not a formula: it stays numeric.
const NEGATIVE_NUMBER = /^-\d+(?:\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV document: the header row, then the rows, each record ending in `\r\n`. Fields holding a quote, comma,
 * CR or LF are quoted (quotes doubled). Text that a spreadsheet would run as a formula gets a leading `'`;
 * numbers and bigints are written as they are. `null` is an empty field. Every row must match the header's width.
 */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  const records = [header, ...rows].map((row, index) => {
    if (row.length !== header.length) {
      throw new RangeError(`CSV row ${index} has ${row.length} fields; the header has ${header.length}`);
    }
    return row.map(csvField).join(',');
  });
  return `${records.join('\r\n')}\r\n`;
}

/** One field, made safe and quoted when needed. */
export function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'bigint') return cell.toString();
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) throw new RangeError(`not a finite number for a CSV field: ${cell}`);
    return String(cell);
  }
  const safe = FORMULA_START.test(cell) && !NEGATIVE_NUMBER.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const INVOICES_CSV_HEADER = [
  'number',
  'account',
  'month',
  'plan',
  'unit_price',
  'billed_devices',
  'covered_devices',
  'billable_devices',
  'charge',
  'paid_from_balance',
  'amount_due',
  'status',
  'created_at',
];

export interface InvoiceCsvRow extends InvoiceFigures {
  number: string;
  accountName: string;
  month: string;
  planCode: string;
  status: string;
  createdAt: Date;
}

/** Invoices as CSV: amounts as exact decimals in `currency` (`11520.00`), times in ISO 8601 (UTC). */
export function invoicesCsv(rows: InvoiceCsvRow[], currency: string): string {
  const amount = (cents: bigint) => decimalAmount(cents, currency);
  return toCsv(
    INVOICES_CSV_HEADER,
    rows.map((r) => [
      r.number,
      r.accountName,
      r.month,
      r.planCode,
      amount(r.unitPriceCents),
      r.billedDevices,
      r.coveredDevices,
      r.billableDevices,
      amount(r.chargeCents),
      amount(r.paidFromBalanceCents),
      amount(r.amountDueCents),
      r.status,
      r.createdAt.toISOString(),
    ]),
  );
}

export const LEDGER_CSV_HEADER = [
  'id',
  'created_at',
  'key',
  'from',
  'to',
  'amount',
  'reverses',
  'actor',
  'memo',
];

export interface LedgerCsvRow {
  id: number;
  createdAt: Date;
  idempotencyKey: string;
  /** The ledger account the amount left. */
  from: string;
  /** The ledger account it went to. */
  to: string;
  amountCents: bigint;
  reversesId: number | null;
  actor: string;
  memo: string;
}

/** Ledger transfers as CSV: amounts as exact decimals in `currency`, times in ISO 8601 (UTC). */
export function ledgerCsv(rows: LedgerCsvRow[], currency: string): string {
  return toCsv(
    LEDGER_CSV_HEADER,
    rows.map((r) => [
      r.id,
      r.createdAt.toISOString(),
      r.idempotencyKey,
      r.from,
      r.to,
      decimalAmount(r.amountCents, currency),
      r.reversesId,
      r.actor,
      r.memo,
    ]),
  );
}

export const RECEIVABLES_CSV_HEADER = [
  'account',
  'invoices',
  'outstanding',
  'not_yet_due',
  'days_1_30',
  'days_31_60',
  'days_61_90',
  'over_90',
  'oldest_due_date',
  'suspended_since',
];

export interface ReceivableCsvRow {
  accountName: string;
  invoices: number;
  outstandingCents: bigint;
  aging: Record<AgingBucket, bigint>;
  oldestDueDate: string;
  suspendedSince: Date | null;
}

/** Who owes what, aged (SPEC §14): amounts as exact decimals in `currency`, dates as they are, times in ISO 8601. */
export function receivablesCsv(rows: ReceivableCsvRow[], currency: string): string {
  const amount = (cents: bigint) => decimalAmount(cents, currency);
  return toCsv(
    RECEIVABLES_CSV_HEADER,
    rows.map((r) => [
      r.accountName,
      r.invoices,
      amount(r.outstandingCents),
      ...AGING_BUCKETS.map((b) => amount(r.aging[b])),
      r.oldestDueDate,
      r.suspendedSince?.toISOString() ?? null,
    ]),
  );
}

/** Balance codes issued at once, for the issuer (SPEC §4): the full codes, shown this once; the note made safe. */
export function codesCsv(
  codes: Array<{ code: string }>,
  input: { amountCents: bigint; expiresAt?: Date; note?: string },
  currency: string,
): string {
  const amount = decimalAmount(input.amountCents, currency);
  return toCsv(
    ['code', 'amount', 'expires_at', 'note'],
    codes.map((c) => [c.code, amount, input.expiresAt?.toISOString() ?? null, input.note ?? null]),
  );
}
