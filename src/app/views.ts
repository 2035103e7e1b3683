import type { ReadingSource } from '../db/schema.js';
import type { InvoiceFigures } from '../domain/invoice.js';
import type { Estimate } from '../domain/pricing.js';
import type { InvoiceStatus } from '../domain/receivables.js';
import type { Runway } from '../domain/runway.js';
import type { DeviceSource } from '../services/connectors.js';
import type { ReceivablesReport } from '../services/receivables.js';
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
  source: DeviceSource;
  collections?: CollectionsModel;
}

export interface DeviceReadingModel {
  count: number;
  at: Date;
  by: string;
  source: ReadingSource;
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
  source: DeviceSource;
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

/** `codes list` loads and shows at most this many codes. */
export const MAX_CODE_LIST = 100;
/** `history` loads and shows at most this many transfers (SPEC §4). */
export const MAX_HISTORY = 50;

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
  source: DeviceSource;
  /** The last 5 transfers, newest first. */
  recent: TransferLine[];
  /** The last 3 invoices, newest first. */
  invoices: InvoiceModel[];
  collections?: CollectionsModel;
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
      /** What the redemption settled of the account's open invoices first (SPEC §14). */
      settlement?: SettlementModel;
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
  /** "Save this card for automatic reloads" is ticked (SPEC §15). */
  saveCard: boolean;
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
  /** What the payment settled of the account's open invoices before the rest went to the balance. */
  settlement?: SettlementModel;
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

/** A declined auto-reload (SPEC §15), for the account's admins (with Reload) or finance. */
export interface AutoReloadDeclinedModel {
  format: Format;
  audience: 'admins' | 'finance';
  accountId: number;
  accountName: string;
  amountCents: bigint;
  /** The provider's code (`card_declined`, `authentication_required`, …). */
  reason: string;
  declines: number;
  turnedOff: boolean;
  retryAfter: Date | null;
}

/** `/balance card` and `card remove` (SPEC §15): the card on file (or the one just removed), or none. */
export interface CardModel {
  accountName: string;
  card: { brand: string; last4: string; expMonth: number; expYear: number; savedAt: Date } | null;
  removed: boolean;
}

/** The Auto-reload modal (SPEC §15), pre-filled with the account's settings. */
export interface AutoReloadModalModel {
  accountName: string;
  enabled: boolean;
  /** As the field shows it: `1.0`. */
  thresholdText: string;
  amountText: string;
  maxPerMonth: number;
  /** Null without a card on file. */
  card: { brand: string; last4: string } | null;
  privateMetadata: string;
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
  /** The "Save this card" box starts ticked when the Reload modal asked for it (SPEC §15). */
  saveCard: boolean;
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
  /** What is still owed on it (SPEC §14): the Pay button asks for exactly this. */
  outstandingCents: bigint;
  createdAt: Date;
  /** The hosted page with its PDF (SPEC §17): in the invoice's message and `invoices <n>`, not in lists. */
  pageUrl?: string;
}

export interface InvoiceListModel {
  format: Format;
  accountName: string;
  /** Newest first, at most 12. */
  invoices: InvoiceModel[];
  /** The reader may pay them (an admin of the account): Pay buttons for those with something outstanding. */
  canPay: boolean;
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

/** The Jamf Pro modal (SPEC §16); `current` when the account is connected already (the secret is never shown). */
export interface JamfConnectModalModel {
  accountName: string;
  privateMetadata: string;
  current: { url: string; clientId: string } | null;
}

/** The answer to a connect that counted. */
export interface JamfConnectedModel {
  accountName: string;
  url: string;
  computers: number;
  mobileDevices: number;
  /** The count differed from the one in effect, and was recorded. */
  recorded: boolean;
}

/** The answer to `devices disconnect`; `url` is null when there was no connection. */
export interface JamfDisconnectedModel {
  accountName: string;
  url: string | null;
}

/** `/balance receivables` (SPEC §14): who owes what, aged by days past due, with the totals. */
export interface ReceivablesModel {
  format: Format;
  report: ReceivablesReport;
}

/** What an offline payment or a write-off did to one invoice (finance), the same when the request is replayed. */
export interface FinanceActionModel {
  format: Format;
  action: 'offline_payment' | 'write_off';
  accountName: string;
  number: string;
  amountCents: bigint;
  outstandingCents: bigint;
  /** Set when this request had been recorded before: nothing new was written. */
  replayed: boolean;
}

/** What a credit to a wallet paid of the account's open invoices (SPEC §14), said in its reply and notices. */
export interface SettlementModel {
  format: Format;
  settled: Array<{ number: string; amountCents: bigint; outstandingCents: bigint }>;
  balanceCents: bigint;
  restored: boolean;
}

/** What an account owes, as `status` and the Home tab show it (SPEC §14). */
export interface CollectionsModel {
  suspendedSince: Date | null;
  /** What is past its due date: paying it restores a suspended account. */
  overdueCents: bigint;
  outstandingCents: bigint;
  /** Oldest first. */
  open: Array<{ number: string; outstandingCents: bigint; status: 'due'; dueDate: string }>;
  /** The reader administers the account: Pay buttons. */
  canPay: boolean;
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
  | { date: Date | string; style?: 'date_time' | 'date_short_pretty' | 'date_pretty' }
  /** What a credit paid of open invoices: " · $190.00 paid INV-… (now paid)" (SPEC §14). */
  | { settlement: SettlementModel };

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
  /** `canPay`: the reader administers the account, so an outstanding invoice gets its Pay button. */
  | { kind: 'invoice_detail'; model: InvoiceModel; canPay: boolean }
  | { kind: 'invoice_list'; model: InvoiceListModel }
  | { kind: 'run_summary'; model: RunSummaryModel }
  | { kind: 'low_balance_alert'; model: LowBalanceAlertModel }
  | { kind: 'alert_resolved'; model: AlertResolvedModel }
  | { kind: 'auto_reload_declined'; model: AutoReloadDeclinedModel }
  | { kind: 'card'; model: CardModel }
  | { kind: 'jamf_connected'; model: JamfConnectedModel }
  | { kind: 'jamf_disconnected'; model: JamfDisconnectedModel }
  | { kind: 'receivables'; model: ReceivablesModel }
  | { kind: 'finance_action'; model: FinanceActionModel }
  /** A notice with a Pay button per invoice still owed (a payment reminder, SPEC §14). */
  | { kind: 'notice_with_pay'; model: NoticeModel; payable: PayableInvoice[] };

/** An invoice a Pay button may be offered for: only while it is due and something is outstanding. */
export interface PayableInvoice {
  number: string;
  outstandingCents: bigint;
  status: string;
}

/** Every modal a use case opens or turns a modal into. */
export type ModalModel =
  | { kind: 'estimate_modal'; model: EstimateModalModel }
  | { kind: 'redeem_modal'; model: RedeemModalModel }
  | { kind: 'reload_modal'; model: ReloadModalModel }
  | { kind: 'pay_step'; model: PayStepModel }
  | { kind: 'autoreload_modal'; model: AutoReloadModalModel }
  | { kind: 'jamf_connect_modal'; model: JamfConnectModalModel };

/** A field's error in a modal: plain words, or a notice (a date, a person) each door writes its own way. */
export type FieldError = string | NoticeModel;
