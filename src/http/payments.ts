import type { ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { formatOf } from '../commands/handlers/format.js';
import { completePayment } from '../commands/handlers/reload.js';
import type { Deps } from '../commands/types.js';
import { getAccount } from '../services/accounts.js';
import { closePayment, getPayment, type Payment } from '../services/payments/payments.js';
import { BodyTooLargeError, readBody } from './body.js';
import { escapeHtml } from './html.js';
import { sandboxPage } from './sandbox-page.js';
import { type Request, type Route, sendJson } from './server.js';

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function paymentIdOf(req: Request): string {
  const id = req.params?.id;
  return typeof id === 'string' ? id : '';
}

async function renderSandbox(deps: Deps, res: ServerResponse, payment: Payment | undefined, id: string) {
  const account = payment ? await getAccount(deps.db, payment.accountId) : undefined;
  const html = sandboxPage({
    format: formatOf(deps),
    paymentId: id,
    accountName: account?.name ?? '',
    amountCents: payment?.amountCents ?? 0n,
    status: payment && payment.provider === 'sandbox' ? payment.status : 'unknown',
    action: `/pay/sandbox/${encodeURIComponent(id)}`,
  });
  sendHtml(res, payment ? 200 : 404, html);
}

/**
 * The sandbox checkout (SPEC §7): `GET` shows the page, `POST` (`action=pay`, the default, or `action=cancel`) pays
 * through the same confirmation path as Stripe's webhook, or cancels. Only present with the sandbox provider.
 */
export function sandboxRoutes(deps: Deps): Route[] {
  return [
    {
      path: '/pay/sandbox/:id',
      method: 'GET',
      handler: async (req, res) => {
        const id = paymentIdOf(req);
        await renderSandbox(deps, res, await getPayment(deps.db, id), id);
      },
    },
    {
      path: '/pay/sandbox/:id',
      method: 'POST',
      handler: async (req, res) => {
        const id = paymentIdOf(req);
        const form = new URLSearchParams((await readBody(req, 10_000)).toString('utf8'));
        const payment = await getPayment(deps.db, id);
        if (payment?.provider === 'sandbox') {
          if (form.get('action') === 'cancel') await closePayment(deps.db, id, 'cancelled');
          else await completePayment(deps, id, { actor: `sandbox:${id}` });
        }
        await renderSandbox(deps, res, await getPayment(deps.db, id), id);
      },
    },
  ];
}

/** Where Stripe sends the payer back: a short page saying where the payment stands. */
export function returnRoute(deps: Deps): Route {
  return {
    path: '/pay/return/:id',
    method: 'GET',
    handler: async (req, res) => {
      const payment = await getPayment(deps.db, paymentIdOf(req));
      const text = !payment
        ? 'There is no such payment.'
        : payment.status === 'paid'
          ? 'Thank you: the payment is complete and the balance has been credited. You can close this tab.'
          : payment.status === 'pending'
            ? 'Thank you. The balance is credited as soon as the payment is confirmed; Balance tells you in Slack.'
            : `This payment is ${payment.status}.`;
      sendHtml(
        res,
        payment ? 200 : 404,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Balance</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>Balance</h1><p>${escapeHtml(text)}</p></body></html>`,
      );
    },
  };
}

/**
 * `POST /webhooks/stripe` (SPEC §7): the signature is checked on the raw body (bad or missing → 400, nothing
 * written). A paid completed checkout credits once; an expired one marks the payment expired; duplicates and
 * events out of order change nothing more. An event for an unknown payment is logged and acknowledged.
 */
export function stripeWebhookRoute(deps: Deps, stripe: Stripe, webhookSecret: string): Route {
  return {
    path: '/webhooks/stripe',
    method: 'POST',
    handler: async (req, res) => {
      let event: Stripe.Event;
      try {
        const body = await readBody(req);
        const signature = req.headers['stripe-signature'];
        if (typeof signature !== 'string') throw new Error('no Stripe-Signature header');
        event = stripe.webhooks.constructEvent(body, signature, webhookSecret);
      } catch (err) {
        const status = err instanceof BodyTooLargeError ? 413 : 400;
        deps.logger.warn(`refused a Stripe webhook: ${err instanceof Error ? err.message : String(err)}`);
        return sendJson(res, status, { error: 'invalid webhook' });
      }
      await handleStripeEvent(deps, event);
      sendJson(res, 200, { received: true });
    },
  };
}

async function handleStripeEvent(deps: Deps, event: Stripe.Event): Promise<void> {
  if (!event.type.startsWith('checkout.session.')) return;
  const session = event.data.object as Stripe.Checkout.Session;
  const paymentId = session.metadata?.payment_id ?? session.client_reference_id;
  if (!paymentId) return deps.logger.warn(`Stripe event ${event.id} has no payment id`);
  const paid =
    (event.type === 'checkout.session.completed' ||
      event.type === 'checkout.session.async_payment_succeeded') &&
    session.payment_status === 'paid';
  if (paid) {
    const intent =
      typeof session.payment_intent === 'string'
        ? session.payment_intent
        : (session.payment_intent?.id ?? null);
    const result = await completePayment(deps, paymentId, { actor: event.id, providerPaymentRef: intent });
    if (result.kind === 'unknown')
      deps.logger.warn(`Stripe event ${event.id} names unknown payment ${paymentId}`);
    return;
  }
  if (event.type === 'checkout.session.expired') {
    const payment = await closePayment(deps.db, paymentId, 'expired');
    if (!payment) deps.logger.warn(`Stripe event ${event.id} names unknown payment ${paymentId}`);
  }
}
