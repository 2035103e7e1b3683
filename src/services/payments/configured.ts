import type Stripe from 'stripe';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { PaymentProvider } from './provider.js';
import { sandboxProvider } from './sandbox.js';

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
  const { createStripeClient, stripeProvider } = await import('./stripe.js');
  const client = createStripeClient(config.payments.secretKey, config.payments.apiUrl);
  return {
    provider: stripeProvider(client, publicUrl),
    stripe: { client, webhookSecret: config.payments.webhookSecret },
  };
}

/** The HTTP routes of SPEC §10, served in every mode; the sandbox pages exist only without Stripe. */
