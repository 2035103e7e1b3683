import type { ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { z } from 'zod';
import { autoReloadAnswered, keepPaidCard } from '../app/auto-reload.js';
import { completePayment } from '../app/reload.js';
import type { Deps } from '../app/types.js';
import { formatOf } from '../app/view-mappers.js';
import { getAccount } from '../services/accounts.js';
import {
  type Closing,
  type Confirmation,
  closePayment,
  disagreements,
  getPayment,
  isPaymentId,
  type ProviderReport,
  sandboxCheckoutEnded,
} from '../services/payments/payments.js';
import type { ChargeOutcome } from '../services/payments/provider.js';
import { SANDBOX_TEST_CARDS } from '../services/payments/sandbox.js';
import { readBody, readForm } from './body.js';
import { HttpError } from './errors.js';
import { escapeHtml, sendHtml } from './html.js';
import { sandboxPage } from './sandbox-page.js';
import type { Route } from './server.js';
import { sendJson } from './server.js';
import { signedInTheFuture } from './signed-time.js';

/** A path's payment id, in the exact form payment ids are made (a NUL byte or a long string goes no further). */
const PaymentPath = z.object({
  id: z.string().refine(isPaymentId, 'is not a payment id (pay_ and 16 letters and digits)'),
});
type PaymentPath = z.infer<typeof PaymentPath>;

/**
 * The sandbox page's form: its two buttons (`CANCEL` is not `cancel`; no field means Pay), the "Save this card" box
 * (`save_card=1`) and the test card (SPEC §15); nothing else.
 */
const SandboxForm = z.strictObject({
  action: z.enum(['pay', 'cancel']).default('pay'),
  save_card: z.literal('1').optional(),
  test_card: z.enum(SANDBOX_TEST_CARDS).default('succeeds'),
});
const SANDBOX_FORM_LIMIT = 1024;
/** Stripe's events are a few KB; its documentation allows for far less than this. */
const STRIPE_EVENT_LIMIT = 512 * 1024;
const SANDBOX: ProviderReport = { provider: 'sandbox' };

async function renderSandbox(deps: Deps, res: ServerResponse, id: string) {
  const payment = await getPayment(deps.db, id);
  const ours = payment?.provider === 'sandbox' ? payment : undefined;
  const account = ours ? await getAccount(deps.db, ours.accountId) : undefined;
  const html = sandboxPage({
    format: formatOf(deps),
    paymentId: id,
    accountName: account?.name ?? '',
    amountCents: ours?.amountCents ?? 0n,
    status: !ours ? 'unknown' : sandboxCheckoutEnded(ours, deps.clock.now()) ? 'expired' : ours.status,
    action: `/pay/sandbox/${encodeURIComponent(id)}`,
    saveCard: ours?.saveCard ?? false,
  });
  sendHtml(res, ours ? 200 : 404, html);
}

/**
 * The sandbox checkout (SPEC §7): `GET` shows the page, `POST` (`action=pay`, the default, or `action=cancel`) pays
 * through the same confirmation path as Stripe's webhook, or cancels. A checkout past its end shows as expired and
 * pays nothing. Only present with the sandbox provider.
 */
export function sandboxRoutes(deps: Deps): Route<PaymentPath>[] {
  return [
    {
      method: 'GET',
      path: '/pay/sandbox/:id',
      params: PaymentPath,
      handle: (_req, res, { id }) => renderSandbox(deps, res, id),
    },
    {
      method: 'POST',
      path: '/pay/sandbox/:id',
      params: PaymentPath,
      handle: async (req, res, { id }) => {
        const form = SandboxForm.parse(await readForm(req, SANDBOX_FORM_LIMIT));
        if (form.action === 'cancel') await closePayment(deps.db, id, 'cancelled', SANDBOX);
        else {
          const confirmation = await completePayment(deps, id, { actor: `sandbox:${id}`, report: SANDBOX });
          if (form.save_card && (confirmation.kind === 'credited' || confirmation.kind === 'already_paid'))
            await keepPaidCard(deps, confirmation.payment, form.test_card);
        }
        await renderSandbox(deps, res, id);
      },
    },
  ];
}

/** Where Stripe sends the payer back: a short page saying where the payment stands. */
export function returnRoute(deps: Deps): Route<PaymentPath> {
  return {
    method: 'GET',
    path: '/pay/return/:id',
    params: PaymentPath,
    handle: async (_req, res, { id }) => {
      const payment = await getPayment(deps.db, id);
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

/** A Stripe id: its prefix and letters, digits and underscores (`cs_test_a1B2…`). */
const stripeId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_]{1,250}$`));

/** The envelope of every event (Stripe's Event object); its `data.object` must be an object. */
const StripeEvent = z.object({
  id: z.string().regex(/^[\x21-\x7e]{1,255}$/, 'is not an event id'),
  type: z.string().regex(/^[a-z0-9_.]{1,100}$/, 'is not an event type'),
  data: z.object({ object: z.looseObject({}) }),
});

/** The fields of a Checkout Session that Balance reads (Stripe's API reference, `checkout.session`). */
const CheckoutSession = z.object({
  id: stripeId('cs'),
  amount_total: z.number().int().nonnegative().nullable(),
  currency: z
    .string()
    .regex(/^[a-z]{3}$/)
    .nullable(),
  payment_status: z.string().max(40),
  payment_intent: z.union([stripeId('pi'), z.object({ id: stripeId('pi') })]).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  client_reference_id: z.string().nullish(),
});

/** The payment a session names: ours set `metadata.payment_id`; a session of some other integration names none. */
function paymentIdOf(session: z.infer<typeof CheckoutSession>): string | undefined {
  const named = session.metadata?.payment_id;
  if (named !== undefined) {
    if (!isPaymentId(named)) throw new HttpError(400, 'metadata.payment_id is not a payment id');
    return named;
  }
  const reference = session.client_reference_id;
  return reference && isPaymentId(reference) ? reference : undefined;
}

/** The `t=` of a Stripe-Signature header, read as Stripe's library reads it (the last one counts). */
function signatureTimestamp(header: string): number {
  const stamps = header.split(',').filter((part) => part.startsWith('t='));
  return Number.parseInt(stamps.at(-1)?.slice(2) ?? '', 10);
}

/** The event, if signed with our secret, not too old (Stripe's library) and not stamped in the future (ours). */
function verifiedEvent(stripe: Stripe, body: Buffer, header: unknown, secret: string): unknown {
  if (typeof header !== 'string') throw new Error('no Stripe-Signature header');
  const event = stripe.webhooks.constructEvent(body, header, secret);
  if (signedInTheFuture(signatureTimestamp(header)))
    throw new Error('the signature is stamped in the future');
  return event;
}

/**
 * `POST /webhooks/stripe` (SPEC §7): the signature is checked on the raw body (bad, missing or stamped in the future
 * → 400, nothing written). A paid completed checkout credits once; an expired one marks the payment expired;
 * duplicates and events out of order change nothing more. An event that disagrees with the stored payment (session,
 * amount, currency, provider) is logged and refused with 400, writing nothing. An event for an unknown payment is
 * logged and acknowledged.
 */
export function stripeWebhookRoute(deps: Deps, stripe: Stripe, webhookSecret: string): Route {
  return {
    method: 'POST',
    path: '/webhooks/stripe',
    handle: async (req, res) => {
      const body = await readBody(req, STRIPE_EVENT_LIMIT);
      let signed: unknown;
      try {
        signed = verifiedEvent(stripe, body, req.headers['stripe-signature'], webhookSecret);
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        deps.logger.warn(`refused a Stripe webhook: ${reason}`);
        throw new HttpError(400, 'invalid webhook');
      }
      await handleStripeEvent(deps, StripeEvent.parse(signed));
      sendJson(res, 200, { received: true });
    },
  };
}

/** The fields of a PaymentIntent that Balance reads (Stripe's API reference, `payment_intent`). */
const PaymentIntent = z.object({
  id: stripeId('pi'),
  amount: z.number().int().positive(),
  amount_received: z.number().int().nonnegative().nullish(),
  currency: z.string().regex(/^[a-z]{3}$/),
  status: z.string().max(40),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z
    .object({
      code: z.string().max(100).nullish(),
      decline_code: z.string().max(100).nullish(),
      message: z.string().max(1000).nullish(),
    })
    .nullish(),
});

/**
 * `payment_intent.succeeded` / `payment_intent.payment_failed` of an auto-reload (SPEC §15): the charge's answer,
 * checked against its payment (intent, amount, currency) by the one confirmation path. Intents of checkouts are
 * confirmed by their `checkout.session.*` events and ignored here.
 */
async function handleIntentEvent(deps: Deps, event: z.infer<typeof StripeEvent>): Promise<void> {
  const failed = event.type === 'payment_intent.payment_failed';
  if (!failed && event.type !== 'payment_intent.succeeded') return;
  const intent = PaymentIntent.parse(event.data.object);
  const paymentId = intent.metadata?.payment_id;
  if (paymentId === undefined) return;
  if (!isPaymentId(paymentId)) throw new HttpError(400, 'metadata.payment_id is not a payment id');
  const payment = await getPayment(deps.db, paymentId);
  if (!payment) return deps.logger.warn(`Stripe event ${event.id} names unknown payment ${paymentId}`);
  const report: ProviderReport = {
    provider: 'stripe',
    sessionId: intent.id,
    amountCents: BigInt(intent.amount),
    currency: intent.currency,
  };
  const fields = disagreements({ ...payment, providerRef: payment.providerRef ?? intent.id }, report);
  if (fields.length > 0) {
    deps.logger.error(
      `Stripe event ${event.id} disagrees with payment ${paymentId} on ${fields.join(', ')}: refused, nothing written`,
    );
    throw new HttpError(400, `the event does not match payment ${paymentId}`);
  }
  const error = intent.last_payment_error;
  const outcome: ChargeOutcome = failed
    ? {
        kind: 'declined',
        providerRef: intent.id,
        code: error?.decline_code ?? error?.code ?? 'payment_failed',
        reason: error?.message ?? 'The payment failed.',
      }
    : {
        kind: 'succeeded',
        providerRef: intent.id,
        amountCents: BigInt(intent.amount),
        currency: intent.currency.toUpperCase(),
      };
  await autoReloadAnswered(deps, paymentId, outcome);
}

async function handleStripeEvent(deps: Deps, event: z.infer<typeof StripeEvent>): Promise<void> {
  if (event.type.startsWith('payment_intent.')) return handleIntentEvent(deps, event);
  if (!event.type.startsWith('checkout.session.')) return;
  const session = CheckoutSession.parse(event.data.object);
  const paymentId = paymentIdOf(session);
  if (!paymentId) return deps.logger.warn(`Stripe event ${event.id} has no payment id`);
  const report: ProviderReport = {
    provider: 'stripe',
    sessionId: session.id,
    amountCents: session.amount_total === null ? null : BigInt(session.amount_total),
    currency: session.currency,
  };
  const paid =
    (event.type === 'checkout.session.completed' ||
      event.type === 'checkout.session.async_payment_succeeded') &&
    session.payment_status === 'paid';
  let outcome: Confirmation | Closing;
  if (paid) {
    const intent = session.payment_intent;
    outcome = await completePayment(deps, paymentId, {
      actor: event.id,
      providerPaymentRef: typeof intent === 'string' ? intent : (intent?.id ?? null),
      report,
    });
    if (outcome.kind === 'credited' || outcome.kind === 'already_paid')
      await keepPaidCard(deps, outcome.payment);
  } else if (event.type === 'checkout.session.expired') {
    outcome = await closePayment(deps.db, paymentId, 'expired', report);
  } else return;
  if (outcome.kind === 'unknown')
    deps.logger.warn(`Stripe event ${event.id} names unknown payment ${paymentId}`);
  if (outcome.kind === 'mismatch') {
    deps.logger.error(
      `Stripe event ${event.id} disagrees with payment ${paymentId} on ${outcome.fields.join(', ')}: refused, nothing written`,
    );
    throw new HttpError(400, `the event does not match payment ${paymentId}`);
  }
}
