import type { Deps } from '../app/types.js';
import type { Database } from '../db/client.js';
import type { Payments } from '../services/payments/configured.js';
import { accountApiRoute } from './account-api.js';
import { deviceCountsRoute } from './device-counts.js';
import { healthRoute } from './health.js';
import { invoiceRoutes } from './invoices.js';
import { metricsRoute } from './metrics.js';
import { returnRoute, sandboxRoutes, stripeWebhookRoute } from './payments.js';
import type { Route } from './server.js';

/** The HTTP routes of SPEC §10 and §17, served in every mode; the sandbox pages exist only without Stripe. */
export function appRoutes(deps: Deps, database: Pick<Database, 'ping'>, payments: Payments): Route[] {
  return [
    healthRoute(database),
    deviceCountsRoute(deps),
    // With METRICS_PORT the figures are served there instead (main.ts), not here.
    ...(deps.config.metricsPort === undefined ? [metricsRoute(deps, { open: false })] : []),
    accountApiRoute(deps),
    returnRoute(deps),
    ...invoiceRoutes(deps),
    ...(payments.stripe
      ? [stripeWebhookRoute(deps, payments.stripe.client, payments.stripe.webhookSecret)]
      : sandboxRoutes(deps)),
  ];
}
