import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { PLAN_CODE } from '../domain/pricing.js';

/** Money is integer minor units in int8; drizzle hands it to us as a JS bigint on both drivers. */
const cents = (name: string) => bigint(name, { mode: 'bigint' });
const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ref = (name: string) => bigint(name, { mode: 'number' });
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const plans = pgTable(
  'plans',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    priceCents: cents('price_cents').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('plans_price_positive', sql`${t.priceCents} > 0`),
    check('plans_code_format', sql`${t.code} ~ ${sql.raw(`'${PLAN_CODE.source}'`)}`),
  ],
);

export const accounts = pgTable(
  'accounts',
  {
    id: id(),
    name: text('name').notNull(),
    planCode: text('plan_code')
      .notNull()
      .references(() => plans.code),
    billingChannelId: text('billing_channel_id'),
    alertChannelId: text('alert_channel_id'),
    /** Low-balance threshold in tenths of a month (10 = 1.0 month), so comparisons stay in integers. */
    alertThresholdTenths: integer('alert_threshold_tenths').notNull().default(10),
    /** Set while an invoice is overdue (SPEC §14): when the account was suspended; null when active. */
    suspendedSince: at('suspended_since'),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('accounts_name_ci').on(sql`lower(${t.name})`),
    check('accounts_threshold_positive', sql`${t.alertThresholdTenths} > 0`),
  ],
);

/**
 * A Slack user id names a person only within a workspace, so every stored role, admin and Home selection names the
 * pair (SPEC §11): `team_id` is the user's own workspace (a Slack Connect user's is not the installed one).
 */
const teamId = () => text('team_id').notNull();

export const accountAdmins = pgTable(
  'account_admins',
  {
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    teamId: teamId(),
    userId: text('user_id').notNull(),
    addedBy: text('added_by').notNull(),
    addedAt: at('added_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.teamId, t.userId] }),
    index('account_admins_person').on(t.teamId, t.userId),
  ],
);

/** A channel is linked to at most one account; commands run there act on it. */
export const channelLinks = pgTable(
  'channel_links',
  {
    channelId: text('channel_id').primaryKey(),
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    linkedBy: text('linked_by').notNull(),
    linkedAt: at('linked_at').notNull().defaultNow(),
  },
  (t) => [index('channel_links_account').on(t.accountId)],
);

export const GLOBAL_ROLES = ['sales', 'finance'] as const;
export type GlobalRole = (typeof GLOBAL_ROLES)[number];

export const userRoles = pgTable(
  'user_roles',
  {
    teamId: teamId(),
    userId: text('user_id').notNull(),
    role: text('role', { enum: GLOBAL_ROLES }).notNull(),
    grantedBy: text('granted_by').notNull(),
    grantedAt: at('granted_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId, t.role] }),
    check('user_roles_role', sql`${t.role} in ('sales', 'finance')`),
  ],
);

/**
 * Moves on (never back: no column owns it, so `truncate … restart identity` leaves it) at every statement that
 * changes who may do what or which account a channel stands for: user_roles, account_admins, channel_links, plans,
 * accounts (triggers of drizzle/0014, which also announce the change on the `balance_directory` channel). Each
 * process's cache of these (src/services/directory.ts) is good only for the value it was read at.
 */
export const directoryVersion = pgSequence('directory_version');

/** Deployment settings changed at run time (finance channel, generated secrets). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

export const SYSTEM_LEDGER_KINDS = [
  'payments',
  'codes',
  'license_packs',
  'usage_revenue',
  'adjustments',
  'offline_payments',
  'bad_debt',
] as const;
export type SystemLedgerKind = (typeof SYSTEM_LEDGER_KINDS)[number];
/** The ledger accounts each customer account owns: its wallet and its receivable (SPEC §14). */
export type AccountLedgerKind = 'wallet' | 'receivable';
export type LedgerKind = AccountLedgerKind | SystemLedgerKind;

/**
 * Ledger accounts: a wallet and a receivable per customer account, plus one row per system kind. Only an account's
 * own ledger accounts carry a cached balance; system accounts are summed from transfers when asked, so no posting
 * ever updates (and so row-locks) a shared system row. A wallet holds what the customer prepaid (never below zero);
 * a receivable holds minus what the customer owes (never above zero). Stored with fillfactor 70 (drizzle/0015):
 * the balance updates stay on their page.
 */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    id: id(),
    kind: text('kind').$type<LedgerKind>().notNull(),
    accountId: ref('account_id').references(() => accounts.id),
    balance: cents('balance'),
  },
  (t) => [
    uniqueIndex('ledger_accounts_owner_kind').on(t.accountId, t.kind),
    uniqueIndex('ledger_accounts_system_kind')
      .on(t.kind)
      .where(sql`${t.kind} not in ('wallet', 'receivable')`),
    check(
      'ledger_accounts_kind',
      sql`${t.kind} in ('wallet', 'receivable', 'payments', 'codes', 'license_packs', 'usage_revenue', 'adjustments', 'offline_payments', 'bad_debt')`,
    ),
    check(
      'ledger_accounts_owned_has_owner',
      sql`(${t.kind} in ('wallet', 'receivable')) = (${t.accountId} is not null)`,
    ),
    check(
      'ledger_accounts_owned_has_balance',
      sql`(${t.kind} in ('wallet', 'receivable')) = (${t.balance} is not null)`,
    ),
    // The rules that a wallet never goes below zero and a receivable never above it live here, in the database.
    check('ledger_accounts_wallet_not_negative', sql`${t.kind} <> 'wallet' or ${t.balance} >= 0`),
    check('ledger_accounts_receivable_not_positive', sql`${t.kind} <> 'receivable' or ${t.balance} <= 0`),
  ],
);

/** Append-only (a trigger refuses UPDATE and DELETE): value moves `from` → `to`; mistakes are reversed, not edited. */
export const transfers = pgTable(
  'transfers',
  {
    id: id(),
    idempotencyKey: text('idempotency_key').notNull(),
    fromLedgerId: ref('from_ledger_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    toLedgerId: ref('to_ledger_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    amount: cents('amount').notNull(),
    reversesId: ref('reverses_id').references((): AnyPgColumn => transfers.id),
    actor: text('actor').notNull(),
    memo: text('memo').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('transfers_idempotency_key').on(t.idempotencyKey),
    index('transfers_from').on(t.fromLedgerId, t.id),
    index('transfers_to').on(t.toLedgerId, t.id),
    // Only reversals have one: the index holds no entry for the others.
    index('transfers_reverses').on(t.reversesId).where(sql`${t.reversesId} is not null`),
    check('transfers_amount_positive', sql`${t.amount} > 0`),
    check('transfers_distinct_accounts', sql`${t.fromLedgerId} <> ${t.toLedgerId}`),
    check('transfers_key_not_blank', sql`length(${t.idempotencyKey}) between 1 and 200`),
  ],
);

/** Gapless per-scope counters (`quote:2026`, `invoice:2026`): taken under the row lock of the caller's transaction. */
export const numberSequences = pgTable('number_sequences', {
  scope: text('scope').primaryKey(),
  last: integer('last').notNull(),
});

/** Where a reading came from: typed in Slack or the shell, posted to the device-count API, or counted in Jamf Pro. */
export const READING_SOURCES = ['manual', 'api', 'jamf'] as const;
export type ReadingSource = (typeof READING_SOURCES)[number];

/** Device counts as timestamped readings; the count in effect at a moment is the latest reading at or before it. */
export const deviceReadings = pgTable(
  'device_readings',
  {
    id: id(),
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id),
    count: integer('count').notNull(),
    effectiveAt: at('effective_at').notNull(),
    /** Who or what recorded it: a Slack user id, `api:<token name>`, `jamf:<instance host>`. */
    recordedBy: text('recorded_by').notNull(),
    source: text('source', { enum: READING_SOURCES }).notNull().default('manual'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('device_readings_account_at').on(t.accountId, t.effectiveAt),
    check('device_readings_count', sql`${t.count} between 0 and 1000000`),
    check('device_readings_source', sql`${t.source} in ('manual', 'api', 'jamf')`),
  ],
);

/**
 * An account's connection to its Jamf Pro instance (SPEC §16), one per account. The client secret is stored only
 * sealed (AES-256-GCM under SECRETS_KEY, src/services/secret-box.ts). The sync state says when it last counted, what
 * it found, and how long it has been failing.
 */
export const jamfConnectors = pgTable(
  'jamf_connectors',
  {
    accountId: ref('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** The instance's origin, `https://acme.jamfcloud.com`. */
    url: text('url').notNull(),
    clientId: text('client_id').notNull(),
    clientSecretSealed: text('client_secret_sealed').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    /** The last sync that tried (the run's time): a connector is tried once a minute at most, whichever replica runs. */
    lastAttemptAt: at('last_attempt_at'),
    /** The last sync that counted, and what it counted. */
    lastSyncAt: at('last_sync_at'),
    lastComputers: integer('last_computers'),
    lastMobileDevices: integer('last_mobile_devices'),
    /** Why the last sync failed (null when it succeeded), in words safe to show. */
    lastError: text('last_error'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    failingSince: at('failing_since'),
  },
  (t) => [
    check('jamf_connectors_url', sql`${t.url} ~ '^https?://[^/?#@[:space:]]+$'`),
    // Nothing but a sealed value is ever stored here: a clear secret would not start with the format's prefix.
    check('jamf_connectors_sealed', sql`${t.clientSecretSealed} like 'v1:%'`),
    check('jamf_connectors_failures', sql`${t.consecutiveFailures} >= 0`),
    check(
      'jamf_connectors_failing',
      sql`(${t.consecutiveFailures} = 0) = (${t.failingSince} is null and ${t.lastError} is null)`,
    ),
  ],
);

export const quotes = pgTable(
  'quotes',
  {
    id: id(),
    number: text('number').notNull(),
    devices: integer('devices').notNull(),
    months: integer('months').notNull(),
    planCode: text('plan_code')
      .notNull()
      .references(() => plans.code),
    unitPriceCents: cents('unit_price_cents').notNull(),
    totalCents: cents('total_cents').notNull(),
    customer: text('customer'),
    channelId: text('channel_id'),
    messageTs: text('message_ts'),
    /** The request that made it (Slack trigger id): a replayed request finds this quote and makes no other. */
    requestId: text('request_id'),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    validUntil: at('valid_until').notNull(),
  },
  (t) => [
    uniqueIndex('quotes_number').on(t.number),
    uniqueIndex('quotes_request').on(t.requestId),
    check('quotes_total_positive', sql`${t.totalCents} > 0`),
  ],
);

/** The account a finance or sales user last picked on their Home tab, so it can be published again on a change. */
export const homeSelections = pgTable(
  'home_selections',
  {
    teamId: teamId(),
    userId: text('user_id').notNull(),
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    selectedAt: at('selected_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('home_selections_account').on(t.accountId)],
);

/**
 * One `codes issue` (or one Issue-code click): what was asked, by whom, under which request (Slack trigger id). The
 * request id is unique, so a replayed or simultaneous twin request issues no second batch.
 */
export const codeBatches = pgTable(
  'code_batches',
  {
    id: id(),
    requestId: text('request_id').notNull(),
    amountCents: cents('amount_cents').notNull(),
    count: integer('count').notNull(),
    expiresAt: at('expires_at'),
    note: text('note'),
    quoteId: ref('quote_id').references(() => quotes.id),
    issuedBy: text('issued_by').notNull(),
    issuedAt: at('issued_at').notNull(),
  },
  (t) => [
    uniqueIndex('code_batches_request').on(t.requestId),
    check('code_batches_count', sql`${t.count} between 1 and 500`),
    check('code_batches_amount_positive', sql`${t.amountCents} > 0`),
  ],
);

export const CODE_KINDS = ['balance', 'license_pack'] as const;
export const CODE_STATUSES = ['issued', 'redeemed', 'void'] as const;

/**
 * Balance codes and imported license pack codes. Only a keyed hash of the code and its last 4 characters are
 * stored (SPEC §6); the status moves issued → redeemed (once) or issued → void.
 */
export const codes = pgTable(
  'codes',
  {
    id: id(),
    kind: text('kind', { enum: CODE_KINDS }).notNull(),
    hash: text('hash').notNull(),
    last4: text('last4').notNull(),
    /** Balance codes: the value credited on redemption. */
    amountCents: cents('amount_cents'),
    /** License packs: devices covered for that many billing months, on that plan. */
    devices: integer('devices'),
    months: integer('months'),
    planCode: text('plan_code').references(() => plans.code),
    status: text('status', { enum: CODE_STATUSES }).notNull().default('issued'),
    expiresAt: at('expires_at'),
    note: text('note'),
    quoteId: ref('quote_id').references(() => quotes.id),
    /** The issue it came from (balance codes issued since batches exist; null for license packs). */
    batchId: ref('batch_id').references(() => codeBatches.id),
    issuedBy: text('issued_by').notNull(),
    issuedAt: at('issued_at').notNull(),
    redeemedBy: text('redeemed_by'),
    redeemedAccountId: ref('redeemed_account_id').references(() => accounts.id),
    redeemedAt: at('redeemed_at'),
    transferId: ref('transfer_id').references(() => transfers.id),
    voidedBy: text('voided_by'),
    voidedAt: at('voided_at'),
  },
  (t) => [
    uniqueIndex('codes_hash').on(t.hash),
    // One code per quote, so a double click on "Issue code for this quote" cannot issue two.
    uniqueIndex('codes_quote').on(t.quoteId),
    index('codes_last4').on(t.last4),
    index('codes_batch').on(t.batchId),
    index('codes_status_issued_at').on(t.status, t.issuedAt),
    check('codes_kind', sql`${t.kind} in ('balance', 'license_pack')`),
    check('codes_status', sql`${t.status} in ('issued', 'redeemed', 'void')`),
    check(
      'codes_kind_fields',
      sql`(${t.kind} = 'balance' and ${t.amountCents} > 0 and ${t.devices} is null)
          or (${t.kind} = 'license_pack' and ${t.amountCents} is null and ${t.devices} between 1 and 1000000
              and ${t.months} between 1 and 120 and ${t.planCode} is not null)`,
    ),
    check(
      'codes_redeemed_fields',
      sql`(${t.status} = 'redeemed') = (${t.redeemedAt} is not null and ${t.redeemedAccountId} is not null)`,
    ),
  ],
);

/** Failed redemption attempts, counted in the database so a lockout holds across replicas and restarts. */
export const redemptionFailures = pgTable(
  'redemption_failures',
  {
    id: id(),
    userId: text('user_id').notNull(),
    accountId: ref('account_id').references(() => accounts.id),
    at: at('at').notNull(),
  },
  (t) => [
    index('redemption_failures_user_at').on(t.userId, t.at),
    index('redemption_failures_account_at').on(t.accountId, t.at),
  ],
);

/** A redeemed license pack: covers up to `devices` devices in each billing month from `startMonth` to `endMonth`. */
export const licensePacks = pgTable(
  'license_packs',
  {
    id: id(),
    codeId: ref('code_id')
      .notNull()
      .references(() => codes.id),
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id),
    devices: integer('devices').notNull(),
    /** 'YYYY-MM', inclusive at both ends; text compares in calendar order. */
    startMonth: text('start_month').notNull(),
    endMonth: text('end_month').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('license_packs_code').on(t.codeId),
    index('license_packs_account').on(t.accountId, t.startMonth, t.endMonth),
    check('license_packs_months', sql`${t.startMonth} <= ${t.endMonth}`),
  ],
);

export const PAYMENT_STATUSES = ['pending', 'paid', 'expired', 'cancelled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * Card reloads (SPEC §7). A payment is recorded `pending` before the provider is asked for a checkout page, and the
 * wallet is credited once, with key `reload:<payment id>`, when the provider confirms it.
 */
export const payments = pgTable(
  'payments',
  {
    /** `pay_…`, random: it appears in URLs. */
    id: text('id').primaryKey(),
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id),
    amountCents: cents('amount_cents').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: PAYMENT_STATUSES }).notNull().default('pending'),
    provider: text('provider', { enum: ['stripe', 'sandbox'] }).notNull(),
    /** What it pays for, e.g. "120 devices × 24 months on Standard"; null for a manual amount. */
    description: text('description'),
    /** The modal view that asked for it: a double submit finds the same payment. */
    viewId: text('view_id'),
    checkoutUrl: text('checkout_url'),
    /** The provider's checkout session and, once paid, its payment (Stripe: cs_…, pi_…). */
    providerRef: text('provider_ref'),
    providerPaymentRef: text('provider_payment_ref'),
    requestedBy: text('requested_by').notNull(),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    completedAt: at('completed_at'),
    transferId: ref('transfer_id').references(() => transfers.id),
    /** The payer asked to keep the card for automatic reloads (SPEC §15). */
    saveCard: boolean('save_card').notNull().default(false),
  },
  (t) => [
    uniqueIndex('payments_view').on(t.viewId),
    uniqueIndex('payments_provider_ref').on(t.providerRef),
    index('payments_account').on(t.accountId, t.createdAt),
    check('payments_amount_positive', sql`${t.amountCents} > 0`),
    check('payments_status', sql`${t.status} in ('pending', 'paid', 'expired', 'cancelled')`),
    check('payments_paid_has_transfer', sql`(${t.status} = 'paid') = (${t.transferId} is not null)`),
  ],
);

/** Refunds of card reloads: the reversing transfer is posted first, then the provider is asked. */
export const refunds = pgTable(
  'refunds',
  {
    id: id(),
    paymentId: text('payment_id')
      .notNull()
      .references(() => payments.id),
    amountCents: cents('amount_cents').notNull(),
    /** The request that asked for it (Slack trigger id): a retried command finds the same refund. */
    requestKey: text('request_key').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    providerRef: text('provider_ref'),
    transferId: ref('transfer_id')
      .notNull()
      .references(() => transfers.id),
    requestedBy: text('requested_by').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('refunds_request').on(t.requestKey),
    index('refunds_payment').on(t.paymentId),
    // What recovery looks for: refunds whose provider call may have died with the process.
    index('refunds_pending').on(t.createdAt).where(sql`${t.status} = 'pending'`),
    check('refunds_amount_positive', sql`${t.amountCents} > 0`),
  ],
);

/**
 * The sandbox provider's own record of the refunds it made, one per idempotency key: what recovery asks it after a
 * crash, as it asks Stripe for its refunds (SPEC §11).
 */
export const sandboxRefunds = pgTable(
  'sandbox_refunds',
  {
    idempotencyKey: text('idempotency_key').primaryKey(),
    paymentId: text('payment_id').notNull(),
    amountCents: cents('amount_cents').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [check('sandbox_refunds_amount_positive', sql`${t.amountCents} > 0`)],
);

export const INVOICE_STATUSES = ['paid', 'due', 'written_off'] as const;

/**
 * One invoice per account and billing month (unique), written with its usage transfer and its messages in one
 * transaction by the invoice run (SPEC §8). Every issued figure (devices, prices, charge, paid from balance, amount
 * due, issue and due dates) is a snapshot of what was billed and never changes; the lines of the invoice are derived
 * from them (src/domain/invoice.ts). What is still owed is collection state (SPEC §14): `outstanding_cents` is the
 * invoice's cached balance — amount due minus the transfers that settled it (`invoice_settlements`) — changed in the
 * same transaction as each of those transfers, like a wallet's; `status` follows from it (a CHECK), and `overdue`
 * is not stored: it is `due` past the due date, which depends on the time of asking.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: id(),
    /** `INV-YYYY-NNNNN`, gapless within the year of the billing month. */
    number: text('number').notNull(),
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id),
    /** The billing month, 'YYYY-MM'. */
    month: text('month').notNull(),
    planCode: text('plan_code').notNull(),
    unitPriceCents: cents('unit_price_cents').notNull(),
    billedDevices: integer('billed_devices').notNull(),
    coveredDevices: integer('covered_devices').notNull(),
    billableDevices: integer('billable_devices').notNull(),
    chargeCents: cents('charge_cents').notNull(),
    paidFromBalanceCents: cents('paid_from_balance_cents').notNull(),
    amountDueCents: cents('amount_due_cents').notNull(),
    /** The local date (billing time zone) the invoice was issued, and the last day to pay it: issue + terms. */
    issueDate: date('issue_date', { mode: 'string' }).notNull(),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    /** What is still owed: amount due − settlements − write-off (a cached balance; `verify` checks it). */
    outstandingCents: cents('outstanding_cents').notNull(),
    status: text('status', { enum: INVOICE_STATUSES }).notNull(),
    /** The usage transfer (wallet → usage_revenue) and the amount-due transfer (receivable → usage_revenue). */
    transferId: ref('transfer_id').references(() => transfers.id),
    dueTransferId: ref('due_transfer_id').references(() => transfers.id),
    writtenOffBy: text('written_off_by'),
    writtenOffAt: at('written_off_at'),
    writeOffReason: text('write_off_reason'),
    runId: ref('run_id').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_account_month').on(t.accountId, t.month),
    uniqueIndex('invoices_number').on(t.number),
    index('invoices_month').on(t.month),
    index('invoices_run').on(t.runId),
    // Settlement, reminders, suspension and the receivables report read only what is still owed.
    index('invoices_open').on(t.accountId, t.month).where(sql`${t.outstandingCents} > 0`),
    check('invoices_sums', sql`${t.chargeCents} = ${t.paidFromBalanceCents} + ${t.amountDueCents}`),
    check('invoices_outstanding', sql`${t.outstandingCents} between 0 and ${t.amountDueCents}`),
    check(
      'invoices_status',
      sql`${t.status} = case when ${t.writtenOffAt} is not null then 'written_off'
                              when ${t.outstandingCents} = 0 then 'paid' else 'due' end`,
    ),
    check(
      'invoices_write_off',
      sql`(${t.writtenOffAt} is null) = (${t.writtenOffBy} is null)
          and (${t.writtenOffAt} is null) = (${t.writeOffReason} is null)
          and (${t.writtenOffAt} is null or ${t.outstandingCents} = 0)`,
    ),
    check('invoices_due_after_issue', sql`${t.dueDate} >= ${t.issueDate}`),
    check('invoices_due_transfer', sql`(${t.amountDueCents} > 0) = (${t.dueTransferId} is not null)`),
    check(
      'invoices_billable',
      sql`${t.billableDevices} = greatest(${t.billedDevices} - ${t.coveredDevices}, 0)`,
    ),
  ],
);

/**
 * The transfers that settled an invoice (SPEC §14): from the wallet (a later credit), from `offline_payments` (a
 * bank transfer finance recorded) or from `bad_debt` (a write-off), each into the account's receivable. A link table
 * rather than a column on transfers keeps the ledger free of billing: a transfer settles at most one invoice
 * (unique), and the credit whose arrival paid it is kept, so a replayed credit finds what it settled.
 */
export const invoiceSettlements = pgTable(
  'invoice_settlements',
  {
    transferId: ref('transfer_id')
      .primaryKey()
      .references(() => transfers.id),
    invoiceId: ref('invoice_id')
      .notNull()
      .references(() => invoices.id),
    /** The credit to the wallet that paid it (settlements from a credit only). */
    creditTransferId: ref('credit_transfer_id').references(() => transfers.id),
  },
  (t) => [
    index('invoice_settlements_invoice').on(t.invoiceId),
    index('invoice_settlements_credit').on(t.creditTransferId),
  ],
);

/** Payment reminders sent (SPEC §14): one per invoice and day after issue, whatever runs the daily job. */
export const invoiceReminders = pgTable(
  'invoice_reminders',
  {
    invoiceId: ref('invoice_id')
      .notNull()
      .references(() => invoices.id),
    /** Days after issue, one of DUNNING_REMINDER_DAYS. */
    day: integer('day').notNull(),
    sentAt: at('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.day] })],
);

/** One execution of the invoice run; a run that stopped part-way is carried on by the next one. */
export const invoiceRuns = pgTable('invoice_runs', {
  id: id(),
  status: text('status', { enum: ['running', 'finished'] })
    .notNull()
    .default('running'),
  /** The time the run stood for (`--now`). */
  asOf: at('as_of').notNull(),
  startedAt: at('started_at').notNull(),
  finishedAt: at('finished_at'),
});

/** A billing month every account has an invoice for. */
export const closedMonths = pgTable('closed_months', {
  month: text('month').primaryKey(),
  runId: ref('run_id').notNull(),
  closedAt: at('closed_at').notNull(),
});

/** Leases that let one replica at a time run a job (the invoice run), taken over when they expire. */
export const jobLeases = pgTable('job_leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: at('expires_at').notNull(),
});

/**
 * Slack messages waiting to be sent (SPEC §8): written in the same transaction as what they announce, sent by a
 * dispatcher that retries with back-off. `dedupeKey` makes writing the same message twice a no-op.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    dedupeKey: text('dedupe_key').notNull(),
    kind: text('kind', { enum: ['message', 'file'] }).notNull(),
    /** A channel id, or a user id for a DM. */
    channelId: text('channel_id').notNull(),
    /** The event to announce (services/outbox.ts `OutboxEvent`), rendered when sent: never Block Kit. */
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    leaseUntil: at('lease_until'),
    lastError: text('last_error'),
    slackTs: text('slack_ts'),
    createdAt: at('created_at').notNull(),
    sentAt: at('sent_at'),
  },
  (t) => [
    uniqueIndex('outbox_dedupe').on(t.dedupeKey),
    index('outbox_due').on(t.nextAttemptAt, t.id).where(sql`${t.status} = 'pending'`),
  ],
);

/** The low-balance state last seen per account (SPEC §9), and when an alert was last posted. */
export const alertStates = pgTable('alert_states', {
  accountId: ref('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  state: text('state', { enum: ['ok', 'low', 'empty'] }).notNull(),
  changedAt: at('changed_at').notNull(),
  lastAlertAt: at('last_alert_at'),
});

/** Bearer tokens for `POST /api/device-counts`, stored as SHA-256 hashes (the token is shown once). */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    lastUsedAt: at('last_used_at'),
  },
  (t) => [uniqueIndex('api_tokens_name').on(t.name), uniqueIndex('api_tokens_hash').on(t.tokenHash)],
);

/**
 * The provider's customer of an account (SPEC §15), created once: `request_key` is written first and sent as the
 * idempotency key, so two tabs (or a retry after a crash) asking at once get the same customer.
 */
export const providerCustomers = pgTable(
  'provider_customers',
  {
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: ['stripe', 'sandbox'] }).notNull(),
    requestKey: text('request_key').notNull(),
    customerId: text('customer_id'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.provider] })],
);

/** The card on file of an account (SPEC §15): the provider's references and what identifies it to a person, never
 * its number. */
export const savedCards = pgTable(
  'saved_cards',
  {
    accountId: ref('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: ['stripe', 'sandbox'] }).notNull(),
    customerId: text('customer_id').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    brand: text('brand').notNull(),
    last4: text('last4').notNull(),
    expMonth: integer('exp_month').notNull(),
    expYear: integer('exp_year').notNull(),
    /** The payment whose checkout saved it. */
    paymentId: text('payment_id').notNull(),
    savedAt: at('saved_at').notNull(),
  },
  (t) => [
    check('saved_cards_last4', sql`${t.last4} ~ '^[0-9]{4}$'`),
    check('saved_cards_exp', sql`${t.expMonth} between 1 and 12 and ${t.expYear} between 2000 and 2200`),
  ],
);

/** Auto-reload of an account (SPEC §15) and what its declines did to it. */
export const autoReloadSettings = pgTable(
  'auto_reload_settings',
  {
    accountId: ref('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    enabled: boolean('enabled').notNull(),
    /** Runway below which it charges, in tenths of a month (10 = 1.0 month), like the alert threshold. */
    thresholdTenths: integer('threshold_tenths').notNull(),
    amountCents: cents('amount_cents').notNull(),
    maxPerMonth: integer('max_per_month').notNull().default(2),
    /** When the runway was last seen falling below the threshold; null while it is at or above it. */
    belowSince: at('below_since'),
    consecutiveDeclines: integer('consecutive_declines').notNull().default(0),
    /** After a decline: no new try before this time. */
    pausedUntil: at('paused_until'),
    /** Why and when it was turned off by Balance (three declines, the card removed); null when a person did. */
    disabledReason: text('disabled_reason'),
    disabledAt: at('disabled_at'),
    updatedBy: text('updated_by').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    check('auto_reload_threshold', sql`${t.thresholdTenths} between 1 and 240`),
    check('auto_reload_amount_positive', sql`${t.amountCents} > 0`),
    check('auto_reload_max_per_month', sql`${t.maxPerMonth} between 1 and 10`),
    check('auto_reload_declines', sql`${t.consecutiveDeclines} >= 0`),
  ],
);

export const AUTO_RELOAD_CHARGE_STATES = ['pending', 'succeeded', 'declined', 'abandoned'] as const;

/**
 * Each off-session charge of a saved card (SPEC §15). `pending` while the provider's answer is not known; at most one
 * of those per account (a unique partial index), so two triggers at once make one charge. `abandoned`: the provider
 * has no record of it once its key has lapsed (it never happened).
 */
export const autoReloadCharges = pgTable(
  'auto_reload_charges',
  {
    id: id(),
    accountId: ref('account_id')
      .notNull()
      .references(() => accounts.id),
    /** What caused it: `low:<when the runway fell below>`, `retry:<declined charge id>`, `invoice:<invoice id>`. */
    trigger: text('trigger').notNull(),
    /** `autoreload:<account>:<trigger>`, the provider call's idempotency key. */
    idempotencyKey: text('idempotency_key').notNull(),
    amountCents: cents('amount_cents').notNull(),
    state: text('state', { enum: AUTO_RELOAD_CHARGE_STATES }).notNull().default('pending'),
    declineReason: text('decline_reason'),
    /** The billing month it counts against for `max_per_month` ('YYYY-MM'). */
    billingMonth: text('billing_month').notNull(),
    /** The payment it is confirmed through (the one confirmation path, key `reload:<payment id>`). */
    paymentId: text('payment_id')
      .notNull()
      .references(() => payments.id),
    /** The card charged, as the provider was asked: recovery asks again with exactly these. */
    customerId: text('customer_id').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    /** The provider's payment (Stripe: pi_…), once it named one. */
    providerRef: text('provider_ref'),
    createdAt: at('created_at').notNull(),
    resolvedAt: at('resolved_at'),
  },
  (t) => [
    uniqueIndex('auto_reload_charges_key').on(t.idempotencyKey),
    uniqueIndex('auto_reload_charges_payment').on(t.paymentId),
    uniqueIndex('auto_reload_charges_one_in_flight').on(t.accountId).where(sql`${t.state} = 'pending'`),
    index('auto_reload_charges_account_month').on(t.accountId, t.billingMonth),
    check('auto_reload_charges_amount_positive', sql`${t.amountCents} > 0`),
    check('auto_reload_charges_state', sql`${t.state} in ('pending', 'succeeded', 'declined', 'abandoned')`),
    check('auto_reload_charges_resolved', sql`(${t.state} = 'pending') = (${t.resolvedAt} is null)`),
  ],
);

/** The sandbox provider's record of its off-session charges, one per idempotency key (as `sandbox_refunds`). */
export const sandboxCharges = pgTable('sandbox_charges', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  paymentMethodId: text('payment_method_id').notNull(),
  amountCents: cents('amount_cents').notNull(),
  outcome: text('outcome', { enum: ['succeeded', 'declined'] }).notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});
