import type { Db } from '../db/client.js';
import type { InvoiceDocuments } from '../documents/invoice-documents.js';
import { invoicesCsv } from '../domain/csv.js';
import { invoiceState } from '../domain/receivables.js';
import { runway } from '../domain/runway.js';
import { getAccount } from '../services/accounts.js';
import { type Invoice, namedInvoices } from '../services/invoicing.js';
import type { OutboxEvent, OutboxRow } from '../services/outbox.js';
import { ALERT_NAME_CHARS, alertResolvedMessage, lowBalanceAlertMessage } from '../slack/render/alerts.js';
import { autoReloadDeclinedMessage } from '../slack/render/autoreload.js';
import { noticeMessage } from '../slack/render/common.js';
import { invoiceMessage, runSummaryMessage } from '../slack/render/invoices.js';
import {
  devicesText,
  fallbackText,
  money,
  monthName,
  section,
  slackDate,
  toPlain,
  userText,
} from '../slack/render/mrkdwn-text.js';
import { payButtons } from '../slack/render/receivables.js';
import type { Message } from './types.js';
import { invoiceModel } from './view-mappers.js';
import type { Format } from './views.js';

export type Rendered =
  | { kind: 'message'; message: Message }
  | { kind: 'file'; name: string; content: string | Buffer; comment: string };

/**
 * Turns an outbox event into what is sent, when it is sent (the domain that wrote it knows nothing of Slack);
 * `documents` gives an invoice its page link and its PDF.
 */
export async function renderOutbox(
  db: Db,
  format: Format,
  row: OutboxRow,
  documents: InvoiceDocuments,
): Promise<Rendered> {
  const event = row.payload as OutboxEvent;
  switch (event.type) {
    case 'message':
      return { kind: 'message', message: event.message as Message };
    case 'invoice': {
      const [found] = await namedInvoices(db, { invoiceId: event.invoiceId });
      if (!found) throw new Error(`invoice ${event.invoiceId} does not exist`);
      const pageUrl = documents.pageUrl(found.invoice);
      return { kind: 'message', message: invoiceMessage({ ...invoiceModel(found, format), pageUrl }) };
    }
    case 'invoice_pdf': {
      const pdf = await documents.pdf(event.invoiceId);
      if (!pdf) throw new Error(`invoice ${event.invoiceId} does not exist`);
      return { kind: 'file', ...pdf, comment: `${pdf.name.replace(/\.pdf$/, '')} as a PDF` };
    }
    case 'run_summary':
      return { kind: 'message', message: runSummaryMessage(await runSummaryModel(db, event.runId, format)) };
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
        message: lowBalanceAlertMessage({
          format,
          accountId: event.accountId,
          accountName: await accountName(db, event.accountId),
          state: event.state,
          balanceCents,
          monthlyCents,
          runway: runway(balanceCents, monthlyCents, new Date(event.at), format.timeZone),
          thresholdTenths: event.thresholdTenths,
        }),
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
        message: alertResolvedMessage({
          format,
          accountName: await accountName(db, event.accountId),
          balanceCents,
          runway: runway(balanceCents, BigInt(event.monthlyCents), new Date(event.at), format.timeZone),
        }),
      };
    }
    case 'auto_reload_declined':
      return {
        kind: 'message',
        message: autoReloadDeclinedMessage({
          ...event,
          format,
          accountName: await accountName(db, event.accountId),
          amountCents: BigInt(event.amountCents),
          retryAfter: event.retryAfter ? new Date(event.retryAfter) : null,
        }),
      };
    case 'invoice_reminder': {
      const message = noticeMessage(await collectionsText(db, format, event));
      const [found] = await namedInvoices(db, { invoiceId: event.invoiceId });
      // The Pay button while the invoice is still owed when the reminder goes out.
      message.blocks?.push(...payButtons(found ? [found.invoice] : [], format));
      return { kind: 'message', message };
    }
    case 'account_suspended':
    case 'account_restored':
      return { kind: 'message', message: noticeMessage(await collectionsText(db, format, event)) };
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
): Message {
  const name = userText(accountName, ALERT_NAME_CHARS);
  const since = slackDate(new Date(event.since), format, 'date_time');
  const line =
    event.type === 'device_sync_failing'
      ? `⚠️ *${name}*: Device sync with Jamf Pro failing since ${since}: ${userText(event.reason, 500)} ` +
        'Device counts stay as last recorded until it works again.'
      : `✅ *${name}*: Device sync with Jamf Pro works again (failing since ${since}): ` +
        `${devicesText(event.devices)} managed.`;
  return { text: fallbackText([toPlain(line)]), blocks: [section(line)] };
}

const NAME_CHARS = 200;

/** Reminders, suspensions and restorations (SPEC §14), as plain notices until they get their own builders. */
async function collectionsText(
  db: Db,
  format: Format,
  event: Extract<OutboxEvent, { type: 'invoice_reminder' | 'account_suspended' | 'account_restored' }>,
): Promise<string> {
  if (event.type === 'invoice_reminder') {
    const [found] = await namedInvoices(db, { invoiceId: event.invoiceId });
    if (!found) throw new Error(`invoice ${event.invoiceId} does not exist`);
    const { invoice } = found;
    const due =
      invoiceState('due', event.dueDate, event.today) === 'overdue'
        ? `was due ${slackDate(event.dueDate, format)} and is overdue`
        : event.today === event.dueDate
          ? 'is due today'
          : `is due ${slackDate(event.dueDate, format)}`;
    return (
      `⏰ Payment reminder: *${userText(invoice.number, 40)}* for *${userText(found.accountName, NAME_CHARS)}* ` +
      `(${monthName(invoice.month)}) has *${money(BigInt(event.outstandingCents), format)}* outstanding and ${due}.`
    );
  }
  const account = await getAccount(db, event.accountId);
  const name = userText(account?.name ?? `account ${event.accountId}`, NAME_CHARS);
  if (event.type === 'account_suspended') {
    return (
      `⛔ *${name}* is suspended since ${slackDate(new Date(event.since), format)}: an invoice is overdue. ` +
      `Pay *${money(BigInt(event.overdueCents), format)}* to restore it.`
    );
  }
  return (
    `✅ *${name}* is restored: nothing is overdue any more ` +
    `(suspended from ${slackDate(new Date(event.since), format)} to ${slackDate(new Date(event.at), format)}).`
  );
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
