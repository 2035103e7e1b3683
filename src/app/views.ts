import type { InvoiceFigures } from '../domain/invoice.js';
import type { Estimate } from '../domain/pricing.js';
import type { InvoiceStatus } from '../domain/receivables.js';
import type { Runway } from '../domain/runway.js';
import type { AccountSummary } from '../services/summary.js';

/**
 * The view models: plain data the use cases return and every door renders (Slack: src/slack/render, whose
 * renderers are pure and stay inside Block Kit's limits whatever the size of these inputs; the shell: text).
 */

/** How money and dates are shown: money in the deployment's currency; dates as Slack `<!date>` tokens (shown in
 * each reader's own time zone) with a fallback written in the billing time zone. */
export interface Format {
  currency: string;
  timeZone: string;
}

export interface PlanChoice {
  code: string;
  name: string;
  priceCents: bigint;
}

export interface EstimateModel {
  format: Format;
  plan: PlanChoice;
  estimate: Estimate;
  /** Present in an account's context the user may read. */
  account?: {
    name: string;
    balanceCents: bigint;
    monthlyCents: bigint;
    runway: Runway;
    /** How much to reload so the balance covers `estimate.months` at the current monthly cost. */
    reloadCents: bigint;
  };
  /** Which buttons to show: Share as quote (sales), Reload this amount (admins of the account). */
  actions: { shareAsQuote: boolean; reload: boolean };
}

export interface QuoteModel {
  format: Format;
  quoteId: number;
  number: string;
  customer: string | null;
  plan: PlanChoice;
  estimate: Estimate;
  validUntil: Date;
  createdBy: string;
  /** Show the Issue code for this quote button (it checks the role again when clicked). */
  canIssueCode: boolean;
}

export interface StatusModel {
  format: Format;
  summary: AccountSummary;
}

export interface DeviceReadingModel {
  count: number;
  at: Date;
  by: string;
}

export interface DevicesModel {
  format: Format;
  accountName: string;
  current: number | null;
  month: string;
  carriedIn: DeviceReadingModel | null;
  readings: DeviceReadingModel[];
  billedCount: number;
  /** Set when this command just recorded a count. */
  recorded: number | null;
}

export interface TransferLine {
  id: number;
  at: Date;
  /** Positive when the wallet was credited. */
  signedAmount: bigint;
  memo: string;
  actor: string;
}

export interface HistoryModel {
  format: Format;
  accountName: string;
  balanceCents: bigint;
  transfers: TransferLine[];
}

export interface HelpModel {
  /** The subcommands this user may run, in order. */
  commands: Array<{ usage: string; description: string }>;
}

/** What the Home tab lists (SPEC §5): the use case loads this much, the renderers show no more. */
export const HOME_LISTS = {
  /** Admins see up to this many of their accounts in full; more, and they pick one like finance does. */
  fullAccounts: 3,
  /** Transfers listed per account. */
  recentTransfers: 5,
  /** An account's latest invoices. */
  invoices: 3,
} as const;

export interface HomeAccountModel {
  summary: AccountSummary;
  /** The last 5 transfers, newest first. */
  recent: TransferLine[];
  /** The last 3 invoices, newest first. */
  invoices: InvoiceModel[];
}

export interface HomeModel {
  format: Format;
  /** Accounts shown in full (the user's own, or the one picked). */
  accounts: HomeAccountModel[];
  /** Finance and sales pick an account to look at; admins of several accounts too. */
  picker: { options: Array<{ id: number; name: string }>; selectedId: number | null } | null;
}

/** The Estimate modal's current state, re-rendered as the user types. */
export interface EstimateModalModel {
  format: Format;
  plans: PlanChoice[];
  devices: number | null;
  /** 12, 24, 36 or 'custom'. */
  monthsChoice: string | null;
  customMonths: number | null;
  planCode: string;
  /** The running total, when the inputs so far make one. */
  estimate: Estimate | null;
  /** Carried through the modal (channel and account context), at most 3000 characters. */
  privateMetadata: string;
}

export interface IssuedCodesModel {
  format: Format;
  amountCents: bigint;
  /** The full codes, shown this once. With more than 10, `file` is set and the message lists none of them. */
  codes: Array<{ code: string; last4: string }>;
  expiresAt: Date | null;
  note: string | null;
  /** Where the full list went instead: a CSV sent to the issuer's DM (Slack) or written to a path (shell). */
  file: { name: string; where: string } | null;
  /** The quote these codes were issued for. */
  quoteNumber: string | null;
}

export interface CodeListModel {
  format: Format;
  filter: 'open' | 'redeemed' | 'void' | null;
  now: Date;
  codes: Array<{
    last4: string;
    kind: 'balance' | 'license_pack';
    amountCents: bigint | null;
    devices: number | null;
    months: number | null;
    status: 'issued' | 'redeemed' | 'void';
    issuedAt: Date;
    expiresAt: Date | null;
    note: string | null;
    redeemedAt: Date | null;
    redeemedBy: string | null;
    accountName: string | null;
  }>;
}

export type RedeemedModel =
  | {
      format: Format;
      kind: 'balance';
      accountName: string;
      amountCents: bigint;
      balanceCents: bigint;
      by: string;
      last4: string;
    }
  | {
      format: Format;
      kind: 'license_pack';
      accountName: string;
      devices: number;
      months: number;
      startMonth: string;
      endMonth: string;
      by: string;
      last4: string;
    };

/** The Redeem modal: one plain-text input (block_id `code`, action_id `code`). */
export interface RedeemModalModel {
  accountName: string;
  privateMetadata: string;
}

/** The Reload modal's current state (SPEC §5, §7), re-rendered as the user types. */
export interface ReloadModalModel {
  format: Format;
  accountName: string;
  plan: PlanChoice;
  mode: 'devices' | 'amount';
  devices: number | null;
  /** 12, 24, 36 or 'custom'. */
  monthsChoice: string | null;
  customMonths: number | null;
  /** What the user typed in the amount field, as typed (re-shown as the initial value). */
  amountText: string | null;
  /** The total the inputs make so far, computed on the server. */
  totalCents: bigint | null;
  privateMetadata: string;
}

/** The "Pay $X" step the Reload modal turns into after Continue to payment. */
export interface PayStepModel {
  format: Format;
  accountName: string;
  amountCents: bigint;
  /** What the amount buys, e.g. "120 devices × 24 months on Standard", or null for a manual amount. */
  description: string | null;
  provider: 'stripe' | 'sandbox';
  checkoutUrl: string;
  /** When the checkout link stops working. */
  expiresAt: Date;
  paymentId: string;
}

export interface ReloadNoticeModel {
  format: Format;
  accountName: string;
  amountCents: bigint;
  balanceCents: bigint;
  /** Who paid (a Slack user id). */
  by: string;
  paymentId: string;
}

export interface RefundModel {
  format: Format;
  accountName: string;
  paymentId: string;
  refundedCents: bigint;
  /** What is left of the payment to refund after this one. */
  remainingCents: bigint;
  balanceCents: bigint;
  provider: 'stripe' | 'sandbox';
}

/** A refund left pending by a crash, as recovery resolved it: made after all, or not made and given back. */
export interface RefundResolvedModel {
  format: Format;
  accountName: string;
  paymentId: string;
  amountCents: bigint;
  status: 'succeeded' | 'failed';
  balanceCents: bigint;
}

/** The sandbox checkout page (SPEC §7): plain HTML, no real money. */
export interface SandboxPageModel {
  format: Format;
  paymentId: string;
  accountName: string;
  amountCents: bigint;
  status: 'pending' | 'paid' | 'expired' | 'cancelled' | 'unknown';
  /** Where the Pay and Cancel form posts. */
  action: string;
}

/** An invoice as a message or a line of a list (SPEC §8). */
export interface InvoiceModel extends InvoiceFigures {
  format: Format;
  number: string;
  accountName: string;
  /** 'YYYY-MM'. */
  month: string;
  planName: string;
  status: InvoiceStatus;
  createdAt: Date;
}

export interface InvoiceListModel {
  format: Format;
  accountName: string;
  /** Newest first, at most 12. */
  invoices: InvoiceModel[];
}

/** The finance channel's summary of one invoice run. */
export interface RunSummaryModel {
  format: Format;
  /** The billing months the run closed, oldest first. */
  months: string[];
  accountsInvoiced: number;
  totalChargedCents: bigint;
  paidFromBalanceCents: bigint;
  amountDueCents: bigint;
  /** Accounts left owing, largest first (the message lists as many as fit and counts the rest). */
  dueAccounts: Array<{ accountName: string; number: string; amountDueCents: bigint }>;
  /** Invoices of $0.00 (no billable devices): recorded, not posted. */
  zeroInvoices: number;
  /** The CSV of the run's invoices that follows the summary. */
  csvName: string;
}

/** A step down in an account's low-balance state (SPEC §9). */
export interface LowBalanceAlertModel {
  format: Format;
  accountId: number;
  accountName: string;
  state: 'low' | 'empty';
  balanceCents: bigint;
  monthlyCents: bigint;
  runway: Runway;
  thresholdTenths: number;
}

/** A credit brought the account back to ok. */
export interface AlertResolvedModel {
  format: Format;
  accountName: string;
  balanceCents: bigint;
  runway: Runway;
}

/** A code voided by `codes void`. */
export interface VoidedModel {
  format: Format;
  last4: string;
  amountCents: bigint | null;
}

/** The quote's thread, told a code was issued for it (the code itself goes privately to the issuer). */
export interface QuoteCodeThreadModel {
  format: Format;
  quoteNumber: string;
  last4: string;
  amountCents: bigint;
  by: string;
}

/**
 * A short answer in words, with the pieces a door shows its own way: a name or an amount to stand out, a command
 * to type, a person, a channel, a date (Slack: mrkdwn, mentions and `<!date>` tokens; the shell: plain text).
 * Plain strings are shown as written; each door escapes them itself.
 */
export type NoticePart =
  | string
  | { strong: string }
  | { code: string }
  | { user: string }
  | { channel: string }
  /** A billing month, 'YYYY-MM'. */
  | { month: string }
  /** An instant, or a local date 'YYYY-MM-DD' in the billing time zone. */
  | { date: Date | string; style?: 'date_time' | 'date_short_pretty' | 'date_pretty' };

export interface NoticeModel {
  format: Format;
  parts: NoticePart[];
}

/** Every message a use case answers with or queues: a view model, tagged with what it is. */
export type MessageModel =
  | { kind: 'notice'; model: NoticeModel }
  /** Words only, no layout: what the outbox held as plain text (notices queued before view models). */
  | { kind: 'text'; text: string }
  /** The user may not do this (a role is missing); nothing changed. */
  | { kind: 'refusal'; text: string }
  /** Bad input: what was wrong (backticks mark what to type), then how the command is used. */
  | { kind: 'usage_error'; problem: string; usage: string }
  | { kind: 'help'; model: HelpModel }
  | { kind: 'status'; model: StatusModel }
  | { kind: 'devices'; model: DevicesModel }
  | { kind: 'history'; model: HistoryModel }
  | { kind: 'estimate'; model: EstimateModel }
  | { kind: 'quote'; model: QuoteModel }
  | { kind: 'issued_codes'; model: IssuedCodesModel }
  | { kind: 'code_list'; model: CodeListModel }
  | { kind: 'voided'; model: VoidedModel }
  | { kind: 'quote_code_thread'; model: QuoteCodeThreadModel }
  | { kind: 'redeemed'; model: RedeemedModel }
  | { kind: 'redemption_notice'; model: RedeemedModel }
  | { kind: 'reload_received'; model: ReloadNoticeModel }
  | { kind: 'reload_notice'; model: ReloadNoticeModel }
  | { kind: 'refund'; model: RefundModel }
  | { kind: 'refund_resolved'; model: RefundResolvedModel }
  | { kind: 'invoice'; model: InvoiceModel }
  | { kind: 'invoice_detail'; model: InvoiceModel }
  | { kind: 'invoice_list'; model: InvoiceListModel }
  | { kind: 'run_summary'; model: RunSummaryModel }
  | { kind: 'low_balance_alert'; model: LowBalanceAlertModel }
  | { kind: 'alert_resolved'; model: AlertResolvedModel };

/** Every modal a use case opens or turns a modal into. */
export type ModalModel =
  | { kind: 'estimate_modal'; model: EstimateModalModel }
  | { kind: 'redeem_modal'; model: RedeemModalModel }
  | { kind: 'reload_modal'; model: ReloadModalModel }
  | { kind: 'pay_step'; model: PayStepModel };

/** A field's error in a modal: plain words, or a notice (a date, a person) each door writes its own way. */
export type FieldError = string | NoticeModel;
