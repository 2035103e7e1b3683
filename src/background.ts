import type { Logger } from './logger.js';

/**
 * Work that follows a reply but must not delay it (republishing Home tabs, notices). Failures are logged, never
 * thrown at the user; `drain` waits for what is in flight (tests, and shutdown on SIGTERM).
 */
export interface Background {
  run(label: string, work: () => Promise<unknown>): void;
  drain(): Promise<void>;
}

export function createBackground(logger: Logger): Background {
  const inFlight = new Set<Promise<unknown>>();
  return {
    run(label, work) {
      const task = work()
        .catch((err: unknown) => logger.error(`${label} failed`, err))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
