import { checkAlerts } from '../services/alerts.js';
import { refreshHomes } from './home-tab.js';
import type { Deps } from './types.js';

/**
 * After a balance, or what it is measured against (device count, plan, threshold), changed: the Home tabs showing
 * the account are published again, and its low-balance state is re-checked (SPEC §9), an alert or a "resolved" note
 * going out through the outbox; a runway that fell below its auto-reload threshold is charged (SPEC §15).
 */
export function balanceChanged(deps: Deps, accountId: number): void {
  refreshHomes(deps, accountId);
  deps.background.run(`balance check of account ${accountId}`, async () => {
    const changes = await checkAlerts(deps.db, {
      accountIds: [accountId],
      now: deps.clock.now(),
      timeZone: deps.config.billingTimeZone,
    });
    if (changes.some((c) => c.announced)) await deps.outbox.kick();
    await deps.autoReloadBelowThreshold([accountId]);
  });
}
