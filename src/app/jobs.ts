// The jobs as use cases (SPEC §1): what the invoice run, the balance check, the device sync and recovery do, and
// what they announce. Cron (src/jobs/jobs.ts) and `balance jobs` (the CLI) both call these.

import { type AlertChange, checkAlerts } from '../services/alerts.js';
import {
  type ReminderSent,
  reviewSuspensions,
  type SuspensionChange,
  sendReminders,
} from '../services/collections.js';
import { type ConnectorDeps, type DeviceSyncResult, syncDevices } from '../services/connectors.js';
import { chunkWorkers, type InvoiceRunResult, runInvoices } from '../services/invoicing.js';
import { type RecoveryResult, recoverMoneyMoves } from '../services/payments/recovery.js';
import { financeChannelOf } from '../services/settings.js';
import { autoReloadAfterCheck, autoReloadAfterInvoiceRun, recoverAutoReloads } from './auto-reload.js';
import { refreshHomes } from './home-tab.js';
import { announceResolvedRefunds } from './refund-recovery.js';
import type { Deps } from './types.js';

/** Where invoice runs are reported: `/balance config finance-channel` wins over FINANCE_CHANNEL. */
export function financeChannel(deps: Pick<Deps, 'db' | 'config'>): Promise<string | undefined> {
  return financeChannelOf(deps.db, deps.config.financeChannel);
}

export interface JobControl {
  /** Set on shutdown: the invoice run stops after the chunks in hand. */
  stopping: boolean;
}

/** `balance jobs invoices` and the INVOICE_CRON task: the run, then the outbox. */
export async function invoiceJob(
  deps: Deps,
  input: { month?: string; control?: JobControl } = {},
): Promise<InvoiceRunResult> {
  const result = await runInvoices(deps.db, {
    now: deps.clock.now(),
    timeZone: deps.config.billingTimeZone,
    month: input.month,
    paymentTermsDays: deps.config.paymentTermsDays,
    financeChannel: await financeChannel(deps),
    shouldStop: () => input.control?.stopping === true,
    workers: chunkWorkers(deps.config.database.kind),
  });
  if (result.kind === 'busy') deps.logger.info('invoice run skipped: another process is running it');
  else if (result.runId === null) deps.logger.info('invoice run: no ended month left to close');
  else {
    deps.logger.info(
      `invoice run ${result.runId}: ${result.invoiced} invoices for ${result.months.join(', ') || 'no month'}`,
    );
    await autoReloadAfterInvoiceRun(deps, result.runId);
  }
  await deps.outbox.kick();
  return result;
}

export interface DailyJobResult {
  alerts: AlertChange[];
  reminders: ReminderSent[];
  suspensions: SuspensionChange[];
}

/**
 * `balance jobs alerts` and the ALERT_CRON task: every account's low-balance state (SPEC §9), then collections
 * (SPEC §14): payment reminders, suspensions and restorations; then the outbox.
 */
export async function alertJob(deps: Deps): Promise<DailyJobResult> {
  const now = deps.clock.now();
  const timeZone = deps.config.billingTimeZone;
  const alerts = await checkAlerts(deps.db, { now, timeZone });
  deps.logger.info(
    `balance check: ${alerts.length} state changes, ${alerts.filter((c) => c.announced).length} messages`,
  );
  await autoReloadAfterCheck(deps);
  const reminders = await sendReminders(deps.db, {
    now,
    timeZone,
    reminderDays: deps.config.dunningReminderDays,
  });
  const suspensions = await reviewSuspensions(deps.db, {
    now,
    timeZone,
    financeChannel: deps.config.financeChannel,
  });
  const count = (change: SuspensionChange['change']) => suspensions.filter((s) => s.change === change).length;
  deps.logger.info(
    `collections: ${reminders.length} reminders, ${count('suspended')} suspended, ${count('restored')} restored`,
  );
  await deps.outbox.kick();
  return { alerts, reminders, suspensions };
}

/**
 * `balance jobs devices` and the DEVICE_SYNC_CRON task: counts every account connected to Jamf Pro (SPEC §16); the
 * Home tabs of accounts whose count changed are published again, then the outbox (failing / recovered notices).
 */
export async function deviceSyncJob(deps: Deps, sync: ConnectorDeps): Promise<DeviceSyncResult> {
  const result = await syncDevices(deps.db, sync, {
    now: deps.clock.now(),
    timeZone: deps.config.billingTimeZone,
  });
  if (result.kind === 'busy') deps.logger.info('device sync skipped: another process is running it');
  else {
    for (const err of result.unexpected) deps.logger.error('device sync: unexpected error', err);
    for (const { accountId, reason } of result.failures)
      deps.logger.warn(`device sync of account ${accountId} failed: ${reason}`);
    deps.logger.info(
      `device sync: ${result.synced} counted, ${result.failures.length} failed, ${result.skipped} already tried ` +
        `this minute; ${result.changed.length} new readings, ${result.notices} messages`,
    );
    // A new count moves the runway: the Home tabs and auto-reload follow, as after a typed count (the low-balance
    // state was checked with the reading, in its transaction).
    for (const accountId of result.changed) refreshHomes(deps, accountId);
    if (result.changed.length > 0) await autoReloadAfterCheck(deps, result.changed);
  }
  await deps.outbox.kick();
  return result;
}

/**
 * `balance jobs recover`, at every start and the RECOVERY_CRON task: refunds a crash left pending are settled or
 * reversed by what the provider says, and payments whose checkout lapsed (or was never recorded) are closed.
 */
export async function recoveryJob(deps: Deps): Promise<RecoveryResult> {
  const result = await recoverMoneyMoves(deps.db, deps.payments, {
    now: deps.clock.now(),
    timeZone: deps.config.billingTimeZone,
    financeChannel: deps.config.financeChannel,
    logger: deps.logger,
  });
  const { resolved, unresolved, expiredPayments } = result;
  if (resolved.length + unresolved + expiredPayments > 0) {
    const settled = resolved.filter((r) => r.status === 'succeeded').length;
    deps.logger.info(
      `recovery: ${settled} refunds settled, ${resolved.length - settled} reversed, ${unresolved} still pending; ` +
        `${expiredPayments} payments expired`,
    );
  }
  await announceResolvedRefunds(deps, resolved);
  const charges = await recoverAutoReloads(deps);
  if (charges.resolved.length + charges.unresolved > 0) {
    deps.logger.info(
      `recovery: ${charges.resolved.length} auto-reload charges resolved, ${charges.unresolved} still pending`,
    );
  }
  await deps.outbox.kick();
  return result;
}
