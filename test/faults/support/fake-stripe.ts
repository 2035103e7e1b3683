import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A stand-in for Stripe's refunds API on 127.0.0.1 (a real HTTP server, so child processes reach it through
 * STRIPE_API_URL), answering the documented shapes (docs.stripe.com/api/refunds):
 * - `POST /v1/refunds` (form-encoded `payment_intent`, `amount`, `metadata[…]`) with Stripe's idempotency: the first
 *   answer for a key is saved and replayed to every later request with that key (errors included); other parameters
 *   under the same key get a 400 `idempotency_error`; a request while another with its key is in flight, a 409.
 *   More than what is left of the payment intent is refused (400 `invalid_request_error`, `charge_already_refunded`
 *   when nothing is left).
 * - `GET /v1/refunds?payment_intent=…&limit=…&starting_after=…`: the intent's refunds, newest first, paged.
 * A request can be held open (`holdNextRefund`) and later either carried out, as Stripe does with a request whose
 * client went away, or lost, as if it never arrived. `failRefunds` answers with Stripe's 500. `gatherLists(n)`
 * answers no list until n of them have arrived, so n recovering processes are inside recovery at the same moment.
 */
export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
  transfer_reversal: null;
}

/** A test card: what it does when charged off-session (Stripe's 4242…, 0341…, and 3155… test cards). */
export interface TestCard {
  brand: string;
  last4: string;
  offSession: 'succeeds' | 'card_declined' | 'authentication_required';
}

export interface StripeCheckoutSession {
  id: string;
  object: 'checkout.session';
  amount_total: number;
  currency: string;
  customer: string | null;
  client_reference_id: string | null;
  expires_at: number;
  metadata: Record<string, string>;
  mode: 'payment';
  payment_intent: string | null;
  payment_status: 'paid' | 'unpaid';
  status: 'open' | 'complete';
  url: string | null;
}

export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: Record<string, unknown> | null;
  metadata: Record<string, string>;
  payment_method: string | null;
  setup_future_usage: 'off_session' | null;
  status: 'succeeded' | 'requires_payment_method';
  created: number;
}

export interface FakeStripe {
  /** `http://127.0.0.1:<port>`, for STRIPE_API_URL. */
  url: string;
  /** Every request, in order. */
  calls: Array<{ method: string; path: string; idempotencyKey?: string; status: number }>;
  /** The refunds Stripe made, every intent. */
  refunds(): StripeRefund[];
  /** A captured payment intent of this amount (cents), to be refunded. */
  addPaymentIntent(id: string, amount: number): void;
  /** A refund made outside Balance (Stripe's dashboard): it counts against the intent, without our metadata. */
  refundInDashboard(paymentIntent: string, amount: number): StripeRefund;
  /** The next `POST /v1/refunds` is held open; resolves when it arrives. */
  holdNextRefund(): Promise<void>;
  /** Ends the held request: `carried-out` makes the refund (and saves its answer for the key), `lost` makes none. */
  finishHeld(how: 'carried-out' | 'lost'): void;
  /** From now on `POST /v1/refunds` answers with Stripe's 500 (saved for the key, as Stripe does), or not. */
  failRefunds(fail: boolean): void;
  /** The next `count` list requests are answered together, once all of them have arrived. */
  gatherLists(count: number): void;
  /** The customers made (`POST /v1/customers`). */
  customers(): Array<{ id: string; name: string }>;
  /** The form bodies of `POST /v1/checkout/sessions`, decoded. */
  checkoutSessions(): Array<Record<string, string>>;
  /**
   * The payer completes a session with a card: a succeeded PaymentIntent of its amount (saving the card on the
   * session's customer when the session asked `setup_future_usage`); returns the completed Checkout Session as
   * `checkout.session.completed` carries it.
   */
  completeCheckout(sessionId: string, card: TestCard): StripeCheckoutSession;
  /** The off-session PaymentIntents made, in order (`POST /v1/payment_intents`). */
  paymentIntents(): StripePaymentIntent[];
  /** From now on `POST /v1/payment_intents` answers with Stripe's 500, or not. */
  failCharges(fail: boolean): void;
  /** From now on `POST /v1/payment_methods/:id/detach` answers with Stripe's 500 (`after`: once it has detached). */
  failDetaches(how: false | 'before' | 'after'): void;
  /** The customer a payment method is attached to (null once detached); undefined for an unknown method. */
  customerOfMethod(id: string): string | null | undefined;
  close(): Promise<void>;
}

interface Saved {
  params: string;
  status: number;
  body: unknown;
}

const err = (status: number, error: Record<string, string>) => ({ status, body: { error } });

export async function startFakeStripe(): Promise<FakeStripe> {
  const calls: FakeStripe['calls'] = [];
  const intents = new Map<string, { amount: number }>();
  const made: StripeRefund[] = [];
  const saved = new Map<string, Saved>();
  const inFlight = new Set<string>();
  const sockets = new Set<Socket>();
  let serial = 0;
  let failing = false;
  let hold: { arrived: () => void } | undefined;
  let held: { res: ServerResponse; key: string; params: URLSearchParams } | undefined;
  let gathering: { count: number; waiting: Array<() => void> } | undefined;

  const newRefund = (
    paymentIntent: string,
    amount: number,
    metadata: Record<string, string>,
  ): StripeRefund => {
    const refund: StripeRefund = {
      id: `re_fake${String(++serial).padStart(6, '0')}`,
      object: 'refund',
      amount,
      balance_transaction: `txn_fake${serial}`,
      charge: `ch_${paymentIntent.slice(3)}`,
      created: Math.floor(Date.now() / 1000) + serial,
      currency: 'usd',
      metadata,
      payment_intent: paymentIntent,
      reason: null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    made.push(refund);
    return refund;
  };

  /** What Stripe's refund endpoint does with a request once it starts executing it. */
  const execute = (params: URLSearchParams): { status: number; body: unknown } => {
    if (failing) return err(500, { type: 'api_error', message: 'An unknown error occurred' });
    const paymentIntent = params.get('payment_intent') ?? '';
    const intent = intents.get(paymentIntent);
    if (!intent) {
      return err(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'payment_intent',
        message: `No such payment_intent: '${paymentIntent}'`,
      });
    }
    const refunded = made.filter((r) => r.payment_intent === paymentIntent).reduce((s, r) => s + r.amount, 0);
    const left = intent.amount - refunded;
    const amount = params.has('amount') ? Number(params.get('amount')) : left;
    if (left <= 0) {
      return err(400, {
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
        message: `Charge ch_${paymentIntent.slice(3)} has already been refunded.`,
      });
    }
    if (amount > left) {
      return err(400, {
        type: 'invalid_request_error',
        param: 'amount',
        message: `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(left / 100).toFixed(2)})`,
      });
    }
    return { status: 200, body: newRefund(paymentIntent, amount, metadataOf(params)) };
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake${++serial}` });
    res.end(JSON.stringify(body));
  };

  /**
   * Stripe's idempotency (docs.stripe.com/api/idempotent_requests) before a keyed request runs: the first answer for
   * the key is replayed, other parameters under it get a 400 `idempotency_error`, a twin in flight a 409. Returns
   * the status sent, or undefined when the request is to run.
   */
  const replayed = (res: ServerResponse, key: string, canonical: string): number | undefined => {
    const earlier = saved.get(key);
    if (earlier && earlier.params !== canonical) {
      send(res, 400, {
        error: {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        },
      });
      return 400;
    }
    if (earlier) {
      send(res, earlier.status, earlier.body);
      return earlier.status;
    }
    if (inFlight.has(key)) {
      send(res, 409, {
        error: {
          type: 'invalid_request_error',
          message:
            'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' +
            `${key}. Please try again later.`,
        },
      });
      return 409;
    }
    return undefined;
  };

  /** A keyed POST: replayed, or run and its answer saved for the key. */
  const runOnce = (
    res: ServerResponse,
    key: string | undefined,
    params: URLSearchParams,
    run: (params: URLSearchParams) => { status: number; body: unknown },
  ): number => {
    const canonical = [...params].sort().toString();
    const earlier = key ? replayed(res, key, canonical) : undefined;
    if (earlier !== undefined) return earlier;
    const answer = run(params);
    if (key) saved.set(key, { params: canonical, ...answer });
    send(res, answer.status, answer.body);
    return answer.status;
  };

  const createRefund = (
    res: ServerResponse,
    key: string | undefined,
    params: URLSearchParams,
  ): number | undefined => {
    if (hold && key) {
      const earlier = replayed(res, key, [...params].sort().toString());
      if (earlier !== undefined) return earlier;
      const { arrived } = hold;
      hold = undefined;
      inFlight.add(key);
      held = { res, key, params };
      arrived();
      return undefined;
    }
    return runOnce(res, key, params, execute);
  };

  const listRefunds = (res: ServerResponse, query: URLSearchParams): number => {
    const limit = Math.min(Math.max(Number(query.get('limit') ?? 10), 1), 100);
    const paymentIntent = query.get('payment_intent');
    const all = made.filter((r) => !paymentIntent || r.payment_intent === paymentIntent).reverse();
    const after = query.get('starting_after');
    const from = after ? all.findIndex((r) => r.id === after) + 1 : 0;
    const data = all.slice(from, from + limit);
    send(res, 200, { object: 'list', url: '/v1/refunds', has_more: from + limit < all.length, data });
    return 200;
  };

  const customers: Array<{ id: string; object: 'customer'; name: string; metadata: Record<string, string> }> =
    [];
  const sessionParams: Array<Record<string, string>> = [];
  const sessions = new Map<string, StripeCheckoutSession & { saveCard: boolean }>();
  const methods = new Map<string, { id: string; customer: string | null; card: TestCard; expYear: number }>();
  const paymentIntents: StripePaymentIntent[] = [];
  let chargesFailing = false;
  let detachesFailing: false | 'before' | 'after' = false;
  const now = () => Math.floor(Date.now() / 1000);
  /** The `metadata[…]` fields of a form body. */
  const metadataOf = (params: URLSearchParams) => {
    const metadata: Record<string, string> = {};
    for (const [name, value] of params) {
      const m = /^metadata\[(.+)\]$/.exec(name);
      if (m) metadata[m[1]!] = value;
    }
    return metadata;
  };
  const missing = (param: string, what: string, id: string) =>
    err(400, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      param,
      message: `No such ${what}: '${id}'`,
    });

  const createCustomer = (params: URLSearchParams) => {
    const customer = {
      id: `cus_fake${String(++serial).padStart(6, '0')}`,
      object: 'customer' as const,
      name: params.get('name') ?? '',
      metadata: metadataOf(params),
    };
    customers.push(customer);
    return { status: 200, body: customer };
  };

  /** Stripe Checkout (docs.stripe.com/api/checkout/sessions/create): one price_data line item, mode payment. */
  const createSession = (params: URLSearchParams) => {
    sessionParams.push(Object.fromEntries(params));
    const customer = params.get('customer');
    if (customer && !customers.some((c) => c.id === customer))
      return missing('customer', 'customer', customer);
    const id = `cs_test_fake${String(++serial).padStart(6, '0')}`;
    const session = {
      id,
      object: 'checkout.session' as const,
      amount_total:
        Number(params.get('line_items[0][price_data][unit_amount]')) *
        Number(params.get('line_items[0][quantity]')),
      currency: params.get('line_items[0][price_data][currency]') ?? 'usd',
      customer,
      client_reference_id: params.get('client_reference_id'),
      expires_at: now() + 24 * 3600,
      metadata: metadataOf(params),
      mode: 'payment' as const,
      payment_intent: null,
      payment_status: 'unpaid' as const,
      status: 'open' as const,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      saveCard: params.get('payment_intent_data[setup_future_usage]') === 'off_session',
    };
    sessions.set(id, session);
    const { saveCard: _, ...shown } = session;
    return { status: 200, body: shown };
  };

  const newIntent = (
    fields: Partial<StripePaymentIntent> & Pick<StripePaymentIntent, 'amount' | 'currency'>,
  ) => {
    const intent: StripePaymentIntent = {
      id: `pi_fake${String(++serial).padStart(6, '0')}`,
      object: 'payment_intent',
      amount_received: 0,
      customer: null,
      description: null,
      last_payment_error: null,
      metadata: {},
      payment_method: null,
      setup_future_usage: null,
      status: 'succeeded',
      created: now(),
      ...fields,
    };
    paymentIntents.push(intent);
    return intent;
  };

  /**
   * `POST /v1/payment_intents` with `confirm=true&off_session=true` (docs.stripe.com/payments/save-and-reuse): a
   * declined card is a 402 `card_error` whose `payment_intent` is left `requires_payment_method`
   * (docs.stripe.com/api/errors: `code`, `decline_code`, `message`, `payment_intent`, `payment_method`, `type`).
   */
  const createIntent = (params: URLSearchParams) => {
    if (chargesFailing) return err(500, { type: 'api_error', message: 'An unknown error occurred' });
    const methodId = params.get('payment_method') ?? '';
    const method = methods.get(methodId);
    if (!method) return missing('payment_method', 'PaymentMethod', methodId);
    const customer = params.get('customer');
    if (method.customer !== customer) {
      return err(400, {
        type: 'invalid_request_error',
        param: 'payment_method',
        message: `The provided PaymentMethod ${methodId} does not belong to the Customer ${customer}.`,
      });
    }
    const amount = Number(params.get('amount'));
    const fields = {
      amount,
      currency: params.get('currency') ?? 'usd',
      customer,
      description: params.get('description'),
      metadata: metadataOf(params),
      payment_method: methodId,
    };
    if (method.card.offSession === 'succeeds') {
      const intent = newIntent({ ...fields, amount_received: amount, status: 'succeeded' });
      intents.set(intent.id, { amount });
      return { status: 200, body: intent };
    }
    const declined = method.card.offSession === 'card_declined';
    const error = {
      type: 'card_error',
      code: declined ? 'card_declined' : 'authentication_required',
      decline_code: declined ? 'generic_decline' : 'authentication_required',
      doc_url: `https://docs.stripe.com/error-codes/${declined ? 'card-declined' : 'authentication-required'}`,
      message: declined
        ? 'Your card was declined.'
        : 'Your card was declined. This transaction requires authentication.',
    };
    const intent = newIntent({ ...fields, status: 'requires_payment_method', last_payment_error: error });
    return err(402, { ...error, payment_intent: intent, payment_method: methodId } as never);
  };

  const methodObject = (id: string) => {
    const method = methods.get(id)!;
    return {
      id,
      object: 'payment_method',
      type: 'card',
      customer: method.customer,
      card: {
        brand: method.card.brand,
        last4: method.card.last4,
        exp_month: 12,
        exp_year: method.expYear,
        country: 'US',
        funding: 'credit',
      },
    };
  };

  const retrieveIntent = (res: ServerResponse, id: string, query: URLSearchParams): number => {
    const intent = paymentIntents.find((i) => i.id === id);
    if (!intent) {
      send(res, 404, missing('intent', 'payment_intent', id).body);
      return 404;
    }
    const expand = [...query].some(
      ([name, value]) => /^expand\[\d*\]$/.test(name) && value === 'payment_method',
    );
    const body =
      expand && intent.payment_method
        ? { ...intent, payment_method: methodObject(intent.payment_method) }
        : intent;
    send(res, 200, body);
    return 200;
  };

  /**
   * `POST /v1/payment_methods/:id/detach` (docs.stripe.com/api/payment_methods/detach): the PaymentMethod with
   * `customer: null`; one that is not attached is refused, an unknown one is `resource_missing`.
   */
  const detachMethod = (id: string) => {
    const method = methods.get(id);
    if (!method) return { ...missing('payment_method', 'PaymentMethod', id), status: 404 };
    if (detachesFailing === 'before')
      return err(500, { type: 'api_error', message: 'An unknown error occurred' });
    if (method.customer === null) {
      return err(400, {
        type: 'invalid_request_error',
        message: 'The payment method you provided is not attached to a customer so detachment is impossible.',
      });
    }
    method.customer = null;
    if (detachesFailing === 'after')
      return err(500, { type: 'api_error', message: 'An unknown error occurred' });
    return { status: 200, body: methodObject(id) };
  };

  /** `GET /v1/payment_intents/search?query=metadata['k']:'v'` (docs.stripe.com/search#query-fields-for-payment-intents). */
  const searchIntents = (res: ServerResponse, query: URLSearchParams): number => {
    const m = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(query.get('query') ?? '');
    if (!m) {
      send(res, 400, err(400, { type: 'invalid_request_error', message: 'Invalid search query' }).body);
      return 400;
    }
    const data = paymentIntents.filter((i) => i.metadata[m[1]!] === m[2]).reverse();
    send(res, 200, {
      object: 'search_result',
      url: '/v1/payment_intents/search',
      has_more: false,
      next_page: null,
      data,
    });
    return 200;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const key = req.headers['idempotency-key'] as string | undefined;
      let status: number | undefined = 404;
      const form = () => new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const intentPath = /^\/v1\/payment_intents\/(pi_[A-Za-z0-9]+)$/.exec(url.pathname);
      const methodPath = /^\/v1\/payment_methods\/([A-Za-z0-9_]+)(\/detach)?$/.exec(url.pathname);
      if (req.method === 'POST' && url.pathname === '/v1/refunds') {
        status = createRefund(res, key, form());
      } else if (req.method === 'POST' && url.pathname === '/v1/customers') {
        status = runOnce(res, key, form(), createCustomer);
      } else if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        status = runOnce(res, key, form(), createSession);
      } else if (req.method === 'POST' && url.pathname === '/v1/payment_intents') {
        status = runOnce(res, key, form(), createIntent);
      } else if (req.method === 'GET' && url.pathname === '/v1/payment_intents/search') {
        status = searchIntents(res, url.searchParams);
      } else if (req.method === 'POST' && methodPath?.[2]) {
        const answer = detachMethod(methodPath[1]!);
        send(res, answer.status, answer.body);
        status = answer.status;
      } else if (req.method === 'GET' && methodPath && !methodPath[2]) {
        const known = methods.has(methodPath[1]!);
        const answer = known
          ? { status: 200, body: methodObject(methodPath[1]!) }
          : missing('payment_method', 'PaymentMethod', methodPath[1]!);
        send(res, known ? 200 : 404, answer.body);
        status = known ? 200 : 404;
      } else if (req.method === 'GET' && intentPath) {
        status = retrieveIntent(res, intentPath[1]!, url.searchParams);
      } else if (req.method === 'GET' && url.pathname === '/v1/refunds' && gathering) {
        const gate = gathering;
        gate.waiting.push(() => listRefunds(res, url.searchParams));
        if (gate.waiting.length === gate.count) {
          gathering = undefined;
          for (const answer of gate.waiting) answer();
        }
        status = 200;
      } else if (req.method === 'GET' && url.pathname === '/v1/refunds') {
        status = listRefunds(res, url.searchParams);
      } else {
        send(res, 404, {
          error: {
            type: 'invalid_request_error',
            message: `Unrecognized request URL (${req.method}: ${url.pathname})`,
          },
        });
      }
      calls.push({ method: req.method ?? '', path: url.pathname, idempotencyKey: key, status: status ?? 0 });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    refunds: () => [...made],
    addPaymentIntent(id, amount) {
      intents.set(id, { amount });
    },
    refundInDashboard: (paymentIntent, amount) => newRefund(paymentIntent, amount, {}),
    holdNextRefund: () =>
      new Promise<void>((resolve) => {
        hold = { arrived: resolve };
      }),
    finishHeld(how) {
      if (!held) throw new Error('no request is held');
      const { res, key, params } = held;
      held = undefined;
      inFlight.delete(key);
      if (how === 'lost') {
        res.destroy();
        return;
      }
      const answer = execute(params);
      saved.set(key, { params: [...params].sort().toString(), ...answer });
      if (!res.destroyed) send(res, answer.status, answer.body);
    },
    failRefunds(fail) {
      failing = fail;
    },
    gatherLists(count) {
      gathering = { count, waiting: [] };
    },
    customers: () => customers.map(({ id, name }) => ({ id, name })),
    checkoutSessions: () => [...sessionParams],
    completeCheckout(sessionId, card) {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      const method = `pm_fake${String(++serial).padStart(6, '0')}`;
      const customer = session.saveCard ? session.customer : null;
      methods.set(method, { id: method, customer, card, expYear: new Date().getUTCFullYear() + 3 });
      const intent = newIntent({
        amount: session.amount_total,
        amount_received: session.amount_total,
        currency: session.currency,
        customer: session.customer,
        metadata: session.metadata,
        payment_method: method,
        setup_future_usage: session.saveCard ? 'off_session' : null,
      });
      intents.set(intent.id, { amount: intent.amount });
      Object.assign(session, {
        payment_intent: intent.id,
        payment_status: 'paid',
        status: 'complete',
        url: null,
      });
      const { saveCard: _, ...shown } = session;
      return shown;
    },
    paymentIntents: () => [...paymentIntents],
    failCharges(fail) {
      chargesFailing = fail;
    },
    failDetaches(how) {
      detachesFailing = how;
    },
    customerOfMethod: (id) => methods.get(id)?.customer,
    close: () =>
      new Promise<void>((resolve) => {
        held?.res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
