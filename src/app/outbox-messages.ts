import type { Db } from '../db/client.js';
import type { InvoiceDocuments } from '../documents/invoice-documents.js';
import { invoicesCsv } from '../domain/csv.js';
import { decodeJson } from '../domain/json-codec.js';
import { formatMoney, groupDigits } from '../domain/money.js';
import { invoiceState } from '../domain/receivables.js';
import { runway } from '../domain/runway.js';
import { getAccount } from '../services/accounts.js';
import { type Invoice, namedInvoices } from '../services/invoicing.js';
import type { OutboxEvent, OutboxRow } from '../services/outbox.js';
import { notice } from './answers.js';
import { invoiceModel } from './view-mappers.js';
import type { Format, MessageModel, NoticeModel, NoticePart } from './views.js';

export type OutboxOutput =
  | { kind: 'message'; message: MessageModel }
  | { kind: 'file'; name: string; content: string | Buffer; comment: string };

/**
 * What an outbox event says, as a view model, when it is sent (the service that wrote it knows nothing of Slack);
 * `documents` gives an invoice its page link and its PDF.
 */
export async function outboxMessage(
  db: Db,
  format: Format,
  row: OutboxRow,
  documents: InvoiceDocuments,
): Promise<OutboxOutput> {
  const event = row.payload as OutboxEvent;
  switch (event.type) {
    case 'view':
      return { kind: 'message', message: decodeJson<MessageModel>(event.view) };
    case 'notice':
      return { kind: 'message', message: { kind: 'text', text: event.text } };
    case 'invoice': {
      const [found] = await namedInvoices(db, { invoiceId: event.invoiceId });
      if (!found) throw new Error(`invoice ${event.invoiceId} does not exist`);
      const pageUrl = documents.pageUrl(found.invoice);
      return {
        kind: 'message',
        message: { kind: 'invoice', model: { ...invoiceModel(found, format), pageUrl } },
      };
    }
    case 'invoice_pdf': {
      const pdf = await documents.pdf(event.invoiceId);
      if (!pdf) throw new Error(`invoice ${event.invoiceId} does not exist`);
      return { kind: 'file', ...pdf, comment: `${pdf.name.replace(/\.pdf$/, '')} as a PDF` };
    }
    case 'run_summary':
      return {
        kind: 'message',
        message: { kind: 'run_summary', model: await runSummaryModel(db, event.runId, format) },
      };
    case 'run_csv': {
      const rows = await namedInvoices(db, { runId: event.runId });
      const content = invoicesCsv(
        rows.map((r) => ({ ...r.invoice, accountName: r.accountName })),
        format.currency,
      );
      return { kind: 'file', name: csvName(event.runId), content, comment: `Invoices of run ${event.runId}` };
    }
    case 'low_balance': {
      const balanceCents = BigInt(event.balanceCents);
      const monthlyCents = BigInt(event.monthlyCents);
      return {
        kind: 'message',
        message: {
          kind: 'low_balance_alert',
          model: {
            format,
            accountId: event.accountId,
            accountName: await accountName(db, event.accountId),
            state: event.state,
            balanceCents,
            monthlyCents,
            runway: runway(balanceCents, monthlyCents, new Date(event.at), format.timeZone),
            thresholdTenths: event.thresholdTenths,
          },
        },
      };
    }
    case 'device_sync_failing':
    case 'device_sync_recovered':
      return {
        kind: 'message',
        message: deviceSyncMessage(event, await accountName(db, event.accountId), format),
      };
    case 'alert_resolved': {
      const balanceCents = BigInt(event.balanceCents);
      return {
        kind: 'message',
        message: {
          kind: 'alert_resolved',
          model: {
            format,
            accountName: await accountName(db, event.accountId),
            balanceCents,
            runway: runway(balanceCents, BigInt(event.monthlyCents), new Date(event.at), format.timeZone),
          },
        },
      };
    }
    case 'auto_reload_declined':
      return {
        kind: 'message',
        message: {
          kind: 'auto_reload_declined',
          model: {
            ...event,
            format,
            accountName: await accountName(db, event.accountId),
            amountCents: BigInt(event.amountCents),
            retryAfter: event.retryAfter ? new Date(event.retryAfter) : null,
          },
        },
      };
    case 'invoice_reminder': {
      const reminder: NoticeModel = { format, parts: await collectionsNotice(db, format, event) };
      const [found] = await namedInvoices(db, { invoiceId: event.invoiceId });
      // The Pay button while the invoice is still owed when the reminder goes out.
      const payable = found ? [found.invoice] : [];
      return { kind: 'message', message: { kind: 'notice_with_pay', model: reminder, payable } };
    }
    case 'account_suspended':
    case 'account_restored':
      return { kind: 'message', message: notice(format, ...(await collectionsNotice(db, format, event))) };
  }
}

async function accountName(db: Db, accountId: number): Promise<string> {
  return (await getAccount(db, accountId))?.name ?? `account ${accountId}`;
}

/** "Device sync with Jamf Pro failing since …: <reason>" (SPEC §16), and the note when it works again. */
function deviceSyncMessage(
  event: Extract<OutboxEvent, { type: 'device_sync_failing' | 'device_sync_recovered' }>,
  accountName: string,
  format: Format,
): MessageModel {
  const since: NoticePart = { date: new Date(event.since), style: 'date_time' };
  const parts: NoticePart[] =
    event.type === 'device_sync_failing'
      ? [
          '⚠️ ',
          { strong: accountName },
          ': Device sync with Jamf Pro failing since ',
          since,
          ': ',
          `${event.reason.slice(0, REASON_CHARS)} Device counts stay as last recorded until it works again.`,
        ]
      : [
          '✅ ',
          { strong: accountName },
          ': Device sync with Jamf Pro works again (failing since ',
          since,
          '): ',
          `${groupDigits(event.devices)} ${event.devices === 1 ? 'device' : 'devices'} managed.`,
        ];
  return notice(format, ...parts);
}

/** How much of a sync failure's reason the notice shows. */
const REASON_CHARS = 500;

/** Reminders, suspensions and restorations (SPEC §14), as notices until they get view models of their own. */
async function collectionsNotice(
  db: Db,
  format: Format,
  event: Extract<OutboxEvent, { type: 'invoice_reminder' | 'account_suspended' | 'account_restored' }>,
): Promise<NoticePart[]> {
  const money = (cents: string): NoticePart => ({ strong: formatMoney(BigInt(cents), format.currency) });
  if (event.type === 'invoice_reminder') {
    const [found] = await namedInvoices(db, { invoiceId: event.invoiceId });
    if (!found) throw new Error(`invoice ${event.invoiceId} does not exist`);
    const { invoice } = found;
    const dueDate: NoticePart = { date: event.dueDate };
    const due: NoticePart[] =
      invoiceState('due', event.dueDate, event.today) === 'overdue'
        ? ['was due ', dueDate, ' and is overdue']
        : event.today === event.dueDate
          ? ['is due today']
          : ['is due ', dueDate];
    return [
      '⏰ Payment reminder: ',
      { strong: invoice.number },
      ' for ',
      { strong: found.accountName },
      ' (',
      { month: invoice.month },
      ') has ',
      money(event.outstandingCents),
      ' outstanding and ',
      ...due,
      '.',
    ];
  }
  const account = await getAccount(db, event.accountId);
  const name: NoticePart = { strong: account?.name ?? `account ${event.accountId}` };
  if (event.type === 'account_suspended') {
    return [
      '⛔ ',
      name,
      ' is suspended since ',
      { date: new Date(event.since) },
      ': an invoice is overdue. Pay ',
      money(event.overdueCents),
      ' to restore it.',
    ];
  }
  return [
    '✅ ',
    name,
    ' is restored: nothing is overdue any more (suspended from ',
    { date: new Date(event.since) },
    ' to ',
    { date: new Date(event.at) },
    ').',
  ];
}

function csvName(runId: number): string {
  return `balance-invoices-run-${runId}.csv`;
}

async function runSummaryModel(db: Db, runId: number, format: Format) {
  const rows = await namedInvoices(db, { runId });
  const sum = (pick: (i: Invoice) => bigint) => rows.reduce((total, r) => total + pick(r.invoice), 0n);
  return {
    format,
    months: [...new Set(rows.map((r) => r.invoice.month))].sort(),
    accountsInvoiced: rows.length,
    totalChargedCents: sum((i) => i.chargeCents),
    paidFromBalanceCents: sum((i) => i.paidFromBalanceCents),
    amountDueCents: sum((i) => i.amountDueCents),
    dueAccounts: rows
      .filter((r) => r.invoice.amountDueCents > 0n)
      .map((r) => ({
        accountName: r.accountName,
        number: r.invoice.number,
        amountDueCents: r.invoice.amountDueCents,
      }))
      .sort((a, b) =>
        b.amountDueCents > a.amountDueCents ? 1 : b.amountDueCents < a.amountDueCents ? -1 : 0,
      ),
    zeroInvoices: rows.filter((r) => r.invoice.chargeCents === 0n).length,
    csvName: csvName(runId),
  };
}
