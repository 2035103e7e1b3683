import type { ConnectorDeps } from '../services/connectors.js';
import { type CliOptions, CliUsageError, parseOptions } from './job-options.js';
import { alertJob, deviceSyncJob, invoiceJob, recoveryJob } from './jobs.js';
import type { Deps } from './types.js';

/** The jobs a person may run by hand: `balance jobs …` on the command line, `jobs …` at the shell's prompt. */
export const HAND_JOBS = ['invoices', 'alerts', 'devices', 'recover', 'outbox'] as const;
export type HandJob = (typeof HAND_JOBS)[number];

export function isHandJob(name: string | undefined): name is HandJob {
  return (HAND_JOBS as readonly string[]).includes(name ?? '');
}

/** What a job run by hand did, in lines for a person; `code` is the command line's exit status. */
export interface HandJobResult {
  lines: string[];
  code: number;
}

/**
 * One job, the same code as its cron task, with `deps.clock` standing for the current time (`--now`): the command
 * line and the shell both call this, so a trial in the shell runs exactly what production runs.
 */
export async function runJobByHand(
  deps: Deps,
  job: HandJob,
  options: { month?: string; connectors: () => Promise<ConnectorDeps> },
): Promise<HandJobResult> {
  switch (job) {
    case 'invoices': {
      const result = await invoiceJob(deps, { month: options.month });
      if (result.kind === 'busy')
        return { lines: ['another process is running the invoice run; nothing done'], code: 1 };
      const line =
        result.runId === null
          ? 'nothing to invoice: every month that has ended is closed already'
          : `run ${result.runId}: ${result.invoiced} invoices; months closed: ${result.months.join(', ') || 'none'}`;
      return { lines: [line], code: 0 };
    }
    case 'alerts': {
      const { alerts, reminders, suspensions } = await alertJob(deps);
      const count = (change: string) => suspensions.filter((s) => s.change === change).length;
      return {
        lines: [
          `${alerts.length} accounts changed state; ${alerts.filter((c) => c.announced).length} messages queued`,
          `${reminders.length} payment reminders; ${count('suspended')} accounts suspended, ${count('restored')} restored`,
        ],
        code: 0,
      };
    }
    case 'devices': {
      const result = await deviceSyncJob(deps, await options.connectors());
      await deps.background.drain();
      if (result.kind === 'busy')
        return { lines: ['another process is running the device sync; nothing done'], code: 1 };
      return {
        lines: [
          ...result.failures.map(({ accountId, reason }) => `account ${accountId}: ${reason}`),
          `${result.synced} accounts counted in Jamf Pro, ${result.failures.length} failed, ` +
            `${result.skipped} already counted this minute; ${result.changed.length} new readings`,
        ],
        code: 0,
      };
    }
    case 'recover': {
      const { resolved, unresolved, expiredPayments } = await recoveryJob(deps);
      const settled = resolved.filter((r) => r.status === 'succeeded').length;
      const line =
        `refunds: ${settled} settled, ${resolved.length - settled} reversed, ${unresolved} still pending; ` +
        `${expiredPayments} payments expired`;
      return { lines: [line], code: unresolved > 0 ? 1 : 0 }; // the provider could not say: try again
    }
    case 'outbox':
      await deps.outbox.kick();
      return { lines: [], code: 0 };
  }
}

/**
 * `jobs …` typed at the shell's prompt (SPEC §12): the command line's jobs, on the database the app holds open (the
 * command line cannot open embedded PGlite meanwhile), with `--now` as the current time for the job and for the
 * messages it sends. `depsAt` builds the app's dependencies on that clock. Answers in lines, never throws for usage.
 */
export async function jobsAtPrompt(
  depsAt: (now?: Date) => Deps,
  connectors: () => Promise<ConnectorDeps>,
  args: string[],
): Promise<string[]> {
  const [job, ...rest] = args;
  const usage = `usage: jobs ${HAND_JOBS.join('|')} [--month YYYY-MM] [--now ISO time]`;
  if (!isHandJob(job)) return [usage];
  let options: CliOptions;
  try {
    options = parseOptions(rest, job === 'invoices' ? ['month', 'now'] : ['now']);
  } catch (err) {
    if (err instanceof CliUsageError) return [`${err.message}; ${usage}`];
    throw err;
  }
  const deps = depsAt(options.now);
  const { lines } = await runJobByHand(deps, job, { month: options.month, connectors });
  await deps.background.drain();
  await deps.outbox.idle();
  return lines;
}
