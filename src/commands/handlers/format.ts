import type { Format } from '../../slack/blocks/models.js';
import type { Deps } from '../types.js';

/** Money in the deployment's currency, date fallbacks in the billing time zone. */
export function formatOf(deps: Pick<Deps, 'config'>): Format {
  return { currency: deps.config.currency, timeZone: deps.config.billingTimeZone };
}
