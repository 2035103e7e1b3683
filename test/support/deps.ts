import type { Deps } from '../../src/app/types.js';
import { fixedClock } from '../../src/clock.js';
import type { Db } from '../../src/db/client.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { paymentsFor } from '../../src/services/payments/configured.js';
import { CODE_SECRET, testConfig } from './slack.js';

type DepsInput = Parameters<typeof createDeps>[0];

/**
 * The app's dependencies on a test database, with no door to Slack: a quiet logger, a fixed clock (26 Nov 2026,
 * 10:00 UTC unless `at` says), the configured payment provider, Home and files answered locally, no outbox sender.
 */
export async function testDeps(
  db: Db,
  options: { at?: string } & Partial<Omit<DepsInput, 'db' | 'clock'>> = {},
): Promise<Deps> {
  const { at = '2026-11-26T10:00:00Z', ...overrides } = options;
  const config = overrides.config ?? testConfig();
  return createDeps({
    config,
    db,
    logger: createLogger({ level: 'error', sink: () => {} }),
    clock: fixedClock(at),
    codeSecret: CODE_SECRET,
    payments: (await paymentsFor(config, db)).provider,
    door: { publishHome: async () => {}, sendFile: async () => 'in your DM' },
    sender: undefined,
    ...overrides,
  });
}
