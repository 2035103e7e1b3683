import type { Server } from 'node:http';
import Stripe from 'stripe';
import type { Deps } from '../../../src/app/types.js';
import { fixedClock } from '../../../src/clock.js';
import type { Config } from '../../../src/config.js';
import type { Db } from '../../../src/db/client.js';
import { createDeps } from '../../../src/deps.js';
import { appRoutes } from '../../../src/http/routes.js';
import { createRouteServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logger.js';
import type { Payments } from '../../../src/services/payments/configured.js';
import { KEY_LIFETIME_MS, type PaymentProvider } from '../../../src/services/payments/provider.js';
import { CODE_SECRET } from '../../support/slack.js';

export const WEBHOOK_SECRET = 'whsec_faults0123456789abcdef';
export const STRIPE_KEY = 'sk_test_faults0123456789';

/** A Stripe-shaped provider that never leaves the process: checkout sessions are made up, refunds refused. */
export function fakeStripeProvider(): PaymentProvider {
  return {
    name: 'stripe',
    maxAmountCents: 99_999_999n,
    keyLifetimeMs: KEY_LIFETIME_MS,
    async createCheckout({ paymentId, now }) {
      return {
        url: `https://checkout.stripe.test/c/pay/cs_test_${paymentId}`,
        providerRef: `cs_test_${paymentId}`,
        expiresAt: new Date(now.getTime() + 24 * 3_600_000),
      };
    },
    refund: async () => ({ kind: 'refused', reason: 'no refunds in this test' }),
    findRefund: async () => undefined,
    createCustomer: async ({ idempotencyKey }) => `cus_${idempotencyKey.replace(/\W/g, '')}`,
    savedCardOf: async () => undefined,
    detachCard: async () => {},
    chargeOffSession: async () => ({
      kind: 'declined',
      providerRef: null,
      code: 'card_declined',
      reason: 'no charges in this test',
    }),
    findCharge: async () => undefined,
  };
}

/** Stripe as the app's payments, with the real webhook signature check and a provider that stays local. */
export function stripePayments(): Payments {
  return {
    provider: fakeStripeProvider(),
    stripe: { client: new Stripe(STRIPE_KEY), webhookSecret: WEBHOOK_SECRET },
  };
}

/**
 * The app's HTTP routes (health, payments, webhooks, device counts) on 127.0.0.1, served as in shell and Socket Mode,
 * over the given database; no Slack: proactive messages wait in the outbox.
 */
export async function startRoutes(
  db: Db,
  config: Config,
  payments: Payments,
): Promise<{ url: string; deps: Deps; lines: string[]; stop(): Promise<void> }> {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
  const deps = createDeps({
    config,
    db,
    logger,
    clock: fixedClock('2026-11-26T10:00:00Z'),
    codeSecret: CODE_SECRET,
    payments: payments.provider,
    door: { publishHome: async () => {}, sendFile: async () => 'nowhere' },
    sender: undefined,
  });
  const server: Server = createRouteServer(appRoutes(deps, { ping: async () => true }, payments), logger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    deps,
    lines,
    stop: async () => {
      await deps.background.drain();
      await deps.outbox.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
