import { and, desc, eq, gt, lt, sql } from 'drizzle-orm';
import { type Db, queryRows, toBigInt } from '../db/client.js';
import { autoReloadCharges, autoReloadSettings, invoices, payments } from '../db/schema.js';
import { monthOf } from '../domain/billing-month.js';
import { amountLimits } from '../domain/money.js';
import type { Logger } from '../logger.js';
import { adminsOf } from './accounts.js';
import type { AutoReloadSettings } from './autoreload-state.js';
import type { CollectionsContext } from './collections.js';
import { UserError } from './errors.js';
import { enqueue, type OutboxItem } from './outbox.js';
import { cardOf, type SavedCard } from './payments/cards.js';
import { type Confirmation, confirmPayment, newPaymentId, type ProviderReport } from './payments/payments.js';
import type { ChargeOutcome, OffSessionCharge, PaymentProvider } from './payments/provider.js';
import { financeChannelOf } from './settings.js';
import { coveredDevices, deviceCountAt, lowBalanceState, monthlyCost } from './sql/billing-rules.js';

export type AutoReloadCharge = typeof autoReloadCharges.$inferSelect;

/** After a decline, no new try for this long (SPEC §15). */
export const DECLINE_PAUSE_MS = 24 * 60 * 60_000;
/** This many declines in a row turn auto-reload off. */
export const DECLINES_BEFORE_OFF = 3;
/** A pending charge younger than this may still have its provider call in flight: recovery leaves it alone. */
export const CHARGE_GRACE_MS = 2 * 60_000;
/** An auto-reload's payment has no checkout to lapse: it lives until its charge is resolved. */
const CHARGE_PAYMENT_LIFETIME_MS = 30 * 24 * 60 * 60_000;
const TURNED_OFF_BY_DECLINES = `${DECLINES_BEFORE_OFF} declines`;

export interface AutoReloadChoice {
  accountId: number;
  enabled: boolean;
  thresholdTenths: number;
  amountCents: bigint;
  maxPerMonth: number;
  by: string;
  now: Date;
}

/**
 * `/balance autoreload` saved. Turning it on needs a card on file, and starts afresh: declines forgotten, no pause,
 * and an account already below the threshold counts as crossing it at the next balance check.
 */
export async function configureAutoReload(db: Db, choice: AutoReloadChoice): Promise<AutoReloadSettings> {
  if (choice.enabled && !(await cardOf(db, choice.accountId))) {
    throw new UserError(
      'Auto-reload charges the card on file: save a card first (Reload, "Save this card").',
    );
  }
  const values = {
    accountId: choice.accountId,
    enabled: choice.enabled,
    thresholdTenths: choice.thresholdTenths,
    amountCents: choice.amountCents,
    maxPerMonth: choice.maxPerMonth,
    updatedBy: choice.by,
    updatedAt: choice.now,
    ...(choice.enabled
      ? {
          belowSince: null,
          consecutiveDeclines: 0,
          pausedUntil: null,
          disabledReason: null,
          disabledAt: null,
        }
      : { disabledReason: null, disabledAt: choice.now }),
  };
  const [saved] = await db
    .insert(autoReloadSettings)
    .values(values)
    .onConflictDoUpdate({ target: autoReloadSettings.accountId, set: values })
    .returning();
  return saved!;
}

interface Claim {
  accountId: number;
  trigger: string;
  /** The charge is at least this (an invoice's outstanding amount). */
  minimumCents?: bigint;
  /** A runway trigger: the crossing is recorded with its charge, so it is charged once; one that a safeguard held
   * back (the monthly maximum, a charge in flight) stays a crossing for the next check. */
  belowSince?: Date;
}

/**
 * Claims one charge for an account, under its settings' row lock, if every safeguard allows it: on, a card on file,
 * not paused after a decline, nothing in flight (the unique partial index is the backstop), fewer than
 * `max_per_month` this billing month, and this trigger not claimed before (the payment's unique view id).
 */
async function claimCharge(db: Db, claim: Claim, ctx: ChargeContext): Promise<AutoReloadCharge | undefined> {
  return db.transaction(async (tx) => {
    const [settings] = await tx
      .select()
      .from(autoReloadSettings)
      .where(eq(autoReloadSettings.accountId, claim.accountId))
      .for('update');
    if (!settings?.enabled) return undefined;
    const card = await cardOf(tx, claim.accountId);
    if (!card || (settings.pausedUntil && settings.pausedUntil > ctx.now)) return undefined;
    const month = monthOf(ctx.now, ctx.timeZone);
    const [counted] = await queryRows<{ in_flight: unknown; this_month: unknown }>(
      tx,
      sql`select count(*) filter (where state = 'pending') as in_flight,
                 count(*) filter (where billing_month = ${month} and state in ('pending', 'succeeded')) as this_month
          from auto_reload_charges where account_id = ${claim.accountId}`,
    );
    if (toBigInt(counted?.in_flight) > 0n || toBigInt(counted?.this_month) >= BigInt(settings.maxPerMonth))
      return undefined;
    const idempotencyKey = `autoreload:${claim.accountId}:${claim.trigger}`;
    const wanted =
      claim.minimumCents && claim.minimumCents > settings.amountCents
        ? claim.minimumCents
        : settings.amountCents;
    const { max } = amountLimits(ctx.currency);
    const [payment] = await tx
      .insert(payments)
      .values({
        id: newPaymentId(),
        accountId: claim.accountId,
        // biome-ignore lint/complexity/useMathMinMax: bigint cents; Math.min takes numbers
        amountCents: wanted < max ? wanted : max,
        currency: ctx.currency,
        provider: card.provider,
        description: 'Auto-reload',
        viewId: idempotencyKey,
        requestedBy: settings.updatedBy,
        createdAt: ctx.now,
        expiresAt: new Date(ctx.now.getTime() + CHARGE_PAYMENT_LIFETIME_MS),
      })
      .onConflictDoNothing({ target: payments.viewId })
      .returning();
    if (!payment) return undefined;
    const [charge] = await tx
      .insert(autoReloadCharges)
      .values({
        accountId: claim.accountId,
        trigger: claim.trigger,
        idempotencyKey,
        amountCents: payment.amountCents,
        billingMonth: month,
        paymentId: payment.id,
        customerId: card.customerId,
        paymentMethodId: card.paymentMethodId,
        createdAt: ctx.now,
      })
      .returning();
    if (claim.belowSince) {
      await tx
        .update(autoReloadSettings)
        .set({ belowSince: claim.belowSince })
        .where(eq(autoReloadSettings.accountId, claim.accountId));
    }
    return charge;
  });
}

export interface ChargeContext extends CollectionsContext {
  currency: string;
}

interface RunwayRow {
  account_id: unknown;
  state: 'ok' | 'low' | 'empty';
  below_since: Date | string | null;
}

/**
 * The balance check's part of auto-reload (SPEC §15): for accounts with auto-reload on, a runway that falls below the
 * auto-reload threshold (a downward crossing, `low:<when>`) claims a charge; one still below it after a declined
 * try claims a retry once the pause is over (`retry:<declined charge>`); one back at or above the threshold is
 * ready to cross again. The runway rule is the alerts' (./sql/billing-rules.ts) with the auto-reload threshold.
 */
export async function claimRunwayCharges(
  db: Db,
  ctx: ChargeContext & { accountIds?: number[] },
): Promise<AutoReloadCharge[]> {
  if (ctx.accountIds?.length === 0) return [];
  const month = monthOf(ctx.now, ctx.timeZone);
  const only = ctx.accountIds
    ? sql`and s.account_id in (select jsonb_array_elements_text(${JSON.stringify(ctx.accountIds)}::jsonb)::bigint)`
    : sql``;
  const rows = await queryRows<RunwayRow>(
    db,
    sql`select s.account_id, s.below_since,
               ${lowBalanceState(
                 sql`w.balance`,
                 monthlyCost(
                   deviceCountAt(sql`a.id`, ctx.now),
                   coveredDevices(sql`a.id`, month),
                   sql`p.price_cents`,
                 ),
                 sql`s.threshold_tenths`,
               )} as state
        from auto_reload_settings s
        join accounts a on a.id = s.account_id
        join plans p on p.code = a.plan_code
        join ledger_accounts w on w.account_id = a.id and w.kind = 'wallet'
        where s.enabled ${only}`,
  );
  const claimed: AutoReloadCharge[] = [];
  for (const row of rows) {
    const accountId = Number(row.account_id);
    if (row.state === 'ok') {
      if (row.below_since !== null) await leftBelow(db, accountId);
      continue;
    }
    const claim: Claim | undefined =
      row.below_since === null
        ? { accountId, trigger: `low:${ctx.now.toISOString()}`, belowSince: ctx.now }
        : await retryAfterDecline(db, accountId);
    const charge = claim && (await claimCharge(db, claim, ctx));
    if (charge) claimed.push(charge);
  }
  return claimed;
}

async function leftBelow(db: Db, accountId: number): Promise<void> {
  await db
    .update(autoReloadSettings)
    .set({ belowSince: null })
    .where(eq(autoReloadSettings.accountId, accountId));
}

/** Still below after the last try was declined: that try's retry (once; the pause is checked when claiming). */
async function retryAfterDecline(db: Db, accountId: number): Promise<Claim | undefined> {
  const [last] = await db
    .select()
    .from(autoReloadCharges)
    .where(eq(autoReloadCharges.accountId, accountId))
    .orderBy(desc(autoReloadCharges.id))
    .limit(1);
  return last?.state === 'declined' ? { accountId, trigger: `retry:${last.id}` } : undefined;
}

/**
 * The invoice run's part (SPEC §15): each invoice of the run left with something outstanding claims a charge of at
 * least the outstanding amount (`invoice:<invoice id>`), for accounts with auto-reload on.
 */
export async function claimInvoiceCharges(
  db: Db,
  ctx: ChargeContext & { runId: number },
): Promise<AutoReloadCharge[]> {
  const open = await db
    .select({ accountId: invoices.accountId, invoiceId: invoices.id, outstanding: invoices.outstandingCents })
    .from(invoices)
    .innerJoin(autoReloadSettings, eq(autoReloadSettings.accountId, invoices.accountId))
    .where(
      and(
        eq(invoices.runId, ctx.runId),
        gt(invoices.outstandingCents, 0n),
        eq(autoReloadSettings.enabled, true),
      ),
    );
  const claimed: AutoReloadCharge[] = [];
  for (const { accountId, invoiceId, outstanding } of open) {
    const charge = await claimCharge(
      db,
      { accountId, trigger: `invoice:${invoiceId}`, minimumCents: outstanding },
      ctx,
    );
    if (charge) claimed.push(charge);
  }
  return claimed;
}

/** The provider's view of a charge: the same key and card on the first call and on every recovery. */
function chargeRequest(charge: AutoReloadCharge, currency: string, accountName: string): OffSessionCharge {
  return {
    idempotencyKey: charge.idempotencyKey,
    paymentId: charge.paymentId,
    customerId: charge.customerId,
    paymentMethodId: charge.paymentMethodId,
    amountCents: charge.amountCents,
    currency,
    description: `Balance auto-reload — ${accountName}`,
  };
}

export type ChargeResult =
  | { kind: 'succeeded'; charge: AutoReloadCharge; confirmation: Confirmation }
  | { kind: 'declined' | 'abandoned'; charge: AutoReloadCharge }
  /** No answer yet (processing, or the provider did not answer): the webhook or recovery resolves it. */
  | { kind: 'pending'; charge: AutoReloadCharge }
  | { kind: 'mismatch'; charge: AutoReloadCharge; fields: string[] };

/** Charges a claimed auto-reload and applies the provider's answer; no answer leaves it pending for recovery. */
export async function runCharge(
  db: Db,
  provider: PaymentProvider,
  charge: AutoReloadCharge,
  ctx: ChargeContext & { accountName: string; logger: Logger },
): Promise<ChargeResult> {
  let outcome: ChargeOutcome;
  try {
    outcome = await provider.chargeOffSession(chargeRequest(charge, ctx.currency, ctx.accountName));
  } catch (err) {
    ctx.logger.warn(
      `auto-reload ${charge.id}: no answer from the provider, left for recovery: ${errorText(err)}`,
    );
    return { kind: 'pending', charge };
  }
  return applyChargeOutcome(db, charge.id, outcome, ctx);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What the provider's answer says about the charge's payment, for the one confirmation path's checks. */
function reportOf(
  provider: SavedCard['provider'],
  outcome: Extract<ChargeOutcome, { kind: 'succeeded' }>,
): ProviderReport {
  return provider === 'sandbox'
    ? { provider: 'sandbox' }
    : {
        provider: 'stripe',
        sessionId: outcome.providerRef,
        amountCents: outcome.amountCents,
        currency: outcome.currency,
      };
}

/**
 * Applies the provider's answer to a charge (from the call itself, the webhook or recovery), once however often it
 * arrives. Succeeded: the payment is confirmed through the one confirmation path (credited once, open invoices
 * settled), the charge marked succeeded and the declines forgotten. Declined: see `declineCharge`.
 */
export async function applyChargeOutcome(
  db: Db,
  chargeId: number,
  outcome: ChargeOutcome,
  ctx: ChargeContext,
): Promise<ChargeResult> {
  const [charge] = await db.select().from(autoReloadCharges).where(eq(autoReloadCharges.id, chargeId));
  if (!charge) throw new Error(`auto-reload charge ${chargeId} does not exist`);
  if (outcome.kind === 'declined') return declineCharge(db, charge, outcome, ctx);
  await db
    .update(payments)
    .set({ providerRef: outcome.providerRef })
    .where(and(eq(payments.id, charge.paymentId), sql`${payments.providerRef} is null`));
  await db
    .update(autoReloadCharges)
    .set({ providerRef: outcome.providerRef })
    .where(and(eq(autoReloadCharges.id, charge.id), sql`${autoReloadCharges.providerRef} is null`));
  if (outcome.kind === 'processing') return { kind: 'pending', charge };
  const [payment] = await db.select().from(payments).where(eq(payments.id, charge.paymentId));
  const confirmation = await confirmPayment(db, charge.paymentId, {
    ...ctx,
    actor: `autoreload:${charge.id}`,
    providerPaymentRef: outcome.providerRef,
    report: reportOf(payment!.provider, outcome),
  });
  if (confirmation.kind === 'mismatch') return { kind: 'mismatch', charge, fields: confirmation.fields };
  if (confirmation.kind !== 'credited' && confirmation.kind !== 'already_paid') {
    throw new Error(`auto-reload ${charge.id}: its payment is ${confirmation.kind}`);
  }
  const succeeded = await db.transaction(async (tx) => {
    const [resolved] = await tx
      .update(autoReloadCharges)
      .set({ state: 'succeeded', resolvedAt: ctx.now })
      .where(and(eq(autoReloadCharges.id, charge.id), eq(autoReloadCharges.state, 'pending')))
      .returning();
    if (!resolved) return charge;
    await tx
      .update(autoReloadSettings)
      .set({ consecutiveDeclines: 0, pausedUntil: null })
      .where(eq(autoReloadSettings.accountId, charge.accountId));
    return resolved;
  });
  return { kind: 'succeeded', charge: succeeded, confirmation };
}

/**
 * A declined charge (SPEC §15), once: the charge and its payment are closed, the account is paused for 24 hours and
 * its declines counted; the third in a row turns auto-reload off. The account's admins get a DM with a Reload
 * button and finance a note, through the outbox in the same transaction.
 */
async function declineCharge(
  db: Db,
  charge: AutoReloadCharge,
  outcome: Extract<ChargeOutcome, { kind: 'declined' }>,
  ctx: ChargeContext,
): Promise<ChargeResult> {
  return db.transaction(async (tx) => {
    const [declined] = await tx
      .update(autoReloadCharges)
      .set({
        state: 'declined',
        declineReason: `${outcome.code}: ${outcome.reason}`.slice(0, 500),
        providerRef: outcome.providerRef ?? charge.providerRef,
        resolvedAt: ctx.now,
      })
      .where(and(eq(autoReloadCharges.id, charge.id), eq(autoReloadCharges.state, 'pending')))
      .returning();
    if (!declined) {
      const [current] = await tx.select().from(autoReloadCharges).where(eq(autoReloadCharges.id, charge.id));
      return {
        kind: current!.state === 'declined' ? 'declined' : 'pending',
        charge: current!,
      } as ChargeResult;
    }
    await tx
      .update(payments)
      .set({ status: 'cancelled' })
      .where(and(eq(payments.id, charge.paymentId), eq(payments.status, 'pending')));
    const [settings] = await tx
      .update(autoReloadSettings)
      .set({
        consecutiveDeclines: sql`${autoReloadSettings.consecutiveDeclines} + 1`,
        pausedUntil: new Date(ctx.now.getTime() + DECLINE_PAUSE_MS),
      })
      .where(eq(autoReloadSettings.accountId, charge.accountId))
      .returning();
    const turnedOff = settings!.enabled && settings!.consecutiveDeclines >= DECLINES_BEFORE_OFF;
    if (turnedOff) {
      await tx
        .update(autoReloadSettings)
        .set({ enabled: false, disabledReason: TURNED_OFF_BY_DECLINES, disabledAt: ctx.now })
        .where(eq(autoReloadSettings.accountId, charge.accountId));
    }
    const event = {
      type: 'auto_reload_declined' as const,
      accountId: charge.accountId,
      chargeId: charge.id,
      amountCents: charge.amountCents.toString(),
      reason: outcome.code,
      declines: settings!.consecutiveDeclines,
      turnedOff,
      retryAfter: turnedOff ? null : settings!.pausedUntil!.toISOString(),
    };
    const items: OutboxItem[] = (await adminsOf(tx, charge.accountId)).map((admin) => ({
      dedupeKey: `autoreload-declined:${charge.id}:${admin.teamId}:${admin.userId}`,
      channelId: admin.userId,
      event: { ...event, audience: 'admins' },
    }));
    const finance = await financeChannelOf(tx, ctx.financeChannel);
    if (finance) {
      items.push({
        dedupeKey: `autoreload-declined:${charge.id}:finance`,
        channelId: finance,
        event: { ...event, audience: 'finance' },
      });
    }
    await enqueue(tx, items, ctx.now);
    return { kind: 'declined', charge: declined };
  });
}

/** The charge of a payment, if the payment is an auto-reload's (the webhook's way in). */
export async function chargeOfPayment(db: Db, paymentId: string): Promise<AutoReloadCharge | undefined> {
  const [charge] = await db
    .select()
    .from(autoReloadCharges)
    .where(eq(autoReloadCharges.paymentId, paymentId));
  return charge;
}

export interface ChargeRecovery {
  resolved: ChargeResult[];
  unresolved: number;
}

/**
 * Charges whose answer never came (a crash, a timeout, a webhook that never arrived) are asked of the provider by
 * their key (SPEC §15), so a lost confirmation never blocks the next try: found, as the provider says; not found
 * while the key is kept, asked again with the same key (the provider charges at most once); not found after that,
 * it never happened and the charge is abandoned (no money moved, not a decline).
 */
export async function recoverCharges(
  db: Db,
  provider: PaymentProvider,
  ctx: ChargeContext & { logger: Logger; accountName: (accountId: number) => Promise<string> },
): Promise<ChargeRecovery> {
  const stuck = await db
    .select()
    .from(autoReloadCharges)
    .where(
      and(
        eq(autoReloadCharges.state, 'pending'),
        lt(autoReloadCharges.createdAt, new Date(ctx.now.getTime() - CHARGE_GRACE_MS)),
      ),
    )
    .limit(100);
  const result: ChargeRecovery = { resolved: [], unresolved: 0 };
  for (const charge of stuck) {
    const request = chargeRequest(charge, ctx.currency, await ctx.accountName(charge.accountId));
    try {
      const keyKept = ctx.now.getTime() - charge.createdAt.getTime() < provider.keyLifetimeMs;
      const outcome =
        (await provider.findCharge(request)) ??
        (keyKept ? await provider.chargeOffSession(request) : undefined);
      const resolved = outcome
        ? await applyChargeOutcome(db, charge.id, outcome, ctx)
        : await abandonCharge(db, charge, ctx.now);
      if (resolved.kind === 'pending') result.unresolved++;
      else result.resolved.push(resolved);
    } catch (err) {
      result.unresolved++;
      ctx.logger.warn(`recovery: auto-reload ${charge.id} still pending: ${errorText(err)}`);
    }
  }
  return result;
}

async function abandonCharge(db: Db, charge: AutoReloadCharge, now: Date): Promise<ChargeResult> {
  return db.transaction(async (tx) => {
    const [abandoned] = await tx
      .update(autoReloadCharges)
      .set({ state: 'abandoned', resolvedAt: now })
      .where(and(eq(autoReloadCharges.id, charge.id), eq(autoReloadCharges.state, 'pending')))
      .returning();
    if (abandoned) {
      await tx
        .update(payments)
        .set({ status: 'cancelled' })
        .where(and(eq(payments.id, charge.paymentId), eq(payments.status, 'pending')));
    }
    return { kind: 'abandoned', charge: abandoned ?? charge } as ChargeResult;
  });
}
