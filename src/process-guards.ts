import type { Logger } from './logger.js';

/** How long a shutdown after an uncaught exception may take before the process exits anyway. */
export const CRASH_SHUTDOWN_MS = 15_000;

/**
 * The last line of defence behind the route wrapper (SPEC §11), for the process that serves:
 * - a rejected promise nobody awaited is logged and the app keeps serving: every door already catches, so one that
 *   slips through is a bug to fix, not a reason to drop the work in flight;
 * - an uncaught exception leaves the process in an unknown state (Node's documentation: resuming is not safe): it
 *   is logged and the app shuts down as on SIGTERM — stops taking work, finishes what is in flight — and exits 1 so
 *   that its supervisor starts a fresh one; past `CRASH_SHUTDOWN_MS` it exits regardless.
 * Returns a function that removes both handlers.
 */
export function guardProcess(logger: Logger, shutdown: (why: string, code: number) => void): () => void {
  const onRejection = (reason: unknown) =>
    logger.error('unhandled promise rejection (still serving)', reason);
  const onException = (err: unknown, origin: string) => {
    logger.error(`uncaught exception (${origin}): shutting down`, err);
    setTimeout(() => process.exit(1), CRASH_SHUTDOWN_MS).unref();
    shutdown('uncaught exception', 1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
