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
    const metadata: Record<string, string> = {};
    for (const [name, value] of params) {
      const m = /^metadata\[(.+)\]$/.exec(name);
      if (m) metadata[m[1]!] = value;
    }
    return { status: 200, body: newRefund(paymentIntent, amount, metadata) };
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake${++serial}` });
    res.end(JSON.stringify(body));
  };

  const createRefund = (
    res: ServerResponse,
    key: string | undefined,
    params: URLSearchParams,
  ): number | undefined => {
    const canonical = [...params].sort().toString();
    if (key) {
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
    }
    if (hold && key) {
      const { arrived } = hold;
      hold = undefined;
      inFlight.add(key);
      held = { res, key, params };
      arrived();
      return undefined;
    }
    const answer = execute(params);
    if (key) saved.set(key, { params: canonical, ...answer });
    send(res, answer.status, answer.body);
    return answer.status;
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

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const key = req.headers['idempotency-key'] as string | undefined;
      let status: number | undefined = 404;
      if (req.method === 'POST' && url.pathname === '/v1/refunds') {
        status = createRefund(res, key, new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
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
    close: () =>
      new Promise<void>((resolve) => {
        held?.res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
