import cron from 'node-cron';
import { alertJob, deviceSyncJob, invoiceJob, type JobControl, recoveryJob } from '../app/jobs.js';
import type { Deps } from '../app/types.js';
import { jobSucceeded } from '../metrics.js';

/**
 * A job as the schedule runs it: skipped once stopping, its error logged (never thrown into the scheduler), its
 * success recorded as `balance_job_last_success_timestamp_seconds{job}`; `running` lets a stop wait for it.
 */
export function guardedJob(
  deps: Pick<Deps, 'clock' | 'logger'>,
  state: { control: JobControl; running: Set<Promise<unknown>> },
  name: string,
  job: () => Promise<unknown>,
): () => Promise<void> {
  return async () => {
    if (state.control.stopping) return;
    const run = job().then(
      () => jobSucceeded(name, deps.clock.now()),
      (err: unknown) => deps.logger.error(`${name} failed`, err),
    );
    state.running.add(run);
    await run;
    state.running.delete(run);
  };
}

/** Every five minutes: a refund left pending by a crash is resolved well within `verify`'s STUCK_REFUND_MS. */
const RECOVERY_CRON = '*/5 * * * *';

/**
 * The cron tasks of every mode (SPEC §1): the invoice run, the daily balance check (both in the billing time zone),
 * the device sync with Jamf Pro, recovery every five minutes and the outbox every minute. A job that throws is logged and does not stop the others.
 */
export function startJobs(deps: Deps): { stop(): Promise<void> } {
  const control: JobControl = { stopping: false };
  const running = new Set<Promise<unknown>>();
  const guarded = (name: string, job: () => Promise<unknown>) =>
    guardedJob(deps, { control, running }, name, job);
  const options = { timezone: deps.config.billingTimeZone, noOverlap: true };
  const tasks = [
    cron.schedule(
      deps.config.invoiceCron,
      guarded('invoice run', () => invoiceJob(deps, { control })),
      { ...options, name: 'invoices' },
    ),
    cron.schedule(
      deps.config.alertCron,
      guarded('balance check', () => alertJob(deps)),
      { ...options, name: 'alerts' },
    ),
    cron.schedule(
      deps.config.deviceSyncCron,
      guarded('device sync', () => deviceSyncJob(deps, deps.connectors)),
      { ...options, name: 'devices' },
    ),
    cron.schedule(
      RECOVERY_CRON,
      guarded('recovery', () => recoveryJob(deps)),
      { ...options, name: 'recovery' },
    ),
    cron.schedule(
      '* * * * *',
      guarded('outbox', () => deps.outbox.kick()),
      { ...options, name: 'outbox' },
    ),
  ];
  return {
    async stop() {
      control.stopping = true;
      await Promise.all(tasks.map((task) => task.stop()));
      await Promise.allSettled([...running]);
      await deps.outbox.idle();
    },
  };
}
