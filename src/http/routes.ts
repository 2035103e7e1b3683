import type { Deps } from '../app/types.js';
import type { Database } from '../db/client.js';
import type { Payments } from '../services/payments/configured.js';
import { deviceCountsRoute } from './device-counts.js';
import { healthRoute } from './health.js';
import { returnRoute, sandboxRoutes, stripeWebhookRoute } from './payments.js';
import type { Route } from './server.js';

export function appRoutes(deps: Deps, database: Pick<Database, 'ping'>, payments: Payments): Route[] {
  return [
    healthRoute(database),
    deviceCountsRoute(deps),
    returnRoute(deps),
    ...(payments.stripe
      ? [stripeWebhookRoute(deps, payments.stripe.client, payments.stripe.webhookSecret)]
      : sandboxRoutes(deps)),
  ];
}
