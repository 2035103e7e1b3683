import type Stripe from 'stripe';
import type { Deps } from '../app/types.js';
import type { Config } from '../config.js';
import type { Database, Db } from '../db/client.js';
import type { PaymentProvider } from '../services/payments/provider.js';
import { sandboxProvider } from '../services/payments/sandbox.js';
import { accountApiRoute } from './account-api.js';
import { deviceCountsRoute } from './device-counts.js';
import { healthRoute } from './health.js';
import { invoiceRoutes } from './invoices.js';
import { metricsRoute } from './metrics.js';
import { returnRoute, sandboxRoutes, stripeWebhookRoute } from './payments.js';
import type { Route } from './server.js';

export interface Payments {
  provider: PaymentProvider;
  /** Present with PAYMENTS_PROVIDER=stripe: the client and the secret its webhooks are signed with. */
  stripe?: { client: Stripe; webhookSecret: string };
}

/** The provider the configuration names (SPEC §1 PAYMENTS_PROVIDER): Stripe with its keys, else the sandbox. Stripe's
 * SDK is loaded only then (~16 MiB held for good once imported). */
export async function paymentsFor(
  config: Config,
  db: Db,
  publicUrl: () => string = () => config.publicUrl,
): Promise<Payments> {
  if (config.payments.provider !== 'stripe') return { provider: sandboxProvider(publicUrl, db) };
  const { createStripeClient, stripeProvider } = await import('../services/payments/stripe.js');
  const client = createStripeClient(config.payments.secretKey, config.payments.apiUrl);
  return {
    provider: stripeProvider(client, publicUrl),
    stripe: { client, webhookSecret: config.payments.webhookSecret },
  };
}

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
