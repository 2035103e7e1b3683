import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A stand-in for Slack's Web API on 127.0.0.1 (a real HTTP server, so it can also be reached from child processes).
 * It answers the methods Balance calls, by a script when one is set (500, 429 with Retry-After, a request that hangs,
 * a dropped connection; `pass` answers as usual, to place a fault on a later call), and records what it received and what it took: a message or file counts as delivered only
 * when it was answered `ok`. `refuse` makes chat.postMessage answer Slack's `{ ok: false, error }` (HTTP 200), one
 * error for messages with blocks and another (or none: taken) for text alone — as Slack refuses `invalid_blocks` while
 * the same text without them goes through.
 */
export type Fault = 500 | { status: 429; retryAfter: number } | 'hang' | 'drop' | 'pass';
export type Outcome = 'ok' | '500' | '429' | 'hang' | 'drop' | 'refused';

export interface Delivery {
  method: 'chat.postMessage' | 'files.completeUploadExternal';
  channel: string;
  text: string;
  /** The ts answered for a message (unique per delivery); the file id for a file. */
  ts: string;
  body: Record<string, unknown>;
}

export interface Call {
  method: string;
  outcome: Outcome;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

export interface FakeSlack {
  /** `http://127.0.0.1:<port>/api/`, for SLACK_API_URL. */
  apiUrl: string;
  /** `http://127.0.0.1:<port>`, for response_url. */
  baseUrl: string;
  calls: Call[];
  deliveries: Delivery[];
  /** Faults to apply to the Web API calls that follow, one per call, in order; `cycle` repeats them until `recover`. */
  fail(faults: Fault[], options?: { cycle?: boolean }): void;
  /** chat.postMessage refuses messages with blocks, and those without, with these errors, until `recover`. */
  refuse(errors: { withBlocks?: string; withoutBlocks?: string }): void;
  recover(): void;
  /** Delay every answer (ms), so that concurrent senders overlap. */
  delay(ms: number): void;
  outcomes(): Record<Outcome, number>;
  close(): Promise<void>;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { raw };
    }
  }
  const params: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const key of ['blocks', 'view', 'files', 'attachments']) {
    if (typeof params[key] === 'string') {
      try {
        params[key] = JSON.parse(params[key] as string);
      } catch {
        // left as text
      }
    }
  }
  return params;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: Call[] = [];
  const deliveries: Delivery[] = [];
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  let script: Fault[] = [];
  let cycle = false;
  let position = 0;
  let delayMs = 0;
  let serial = 0;
  let refusals: { withBlocks?: string; withoutBlocks?: string } = {};

  const nextFault = (): Fault | undefined => {
    if (script.length === 0) return undefined;
    if (cycle) return script[position++ % script.length];
    return script.shift();
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const answer = (method: string, body: Record<string, unknown>): unknown => {
    switch (method) {
      case 'chat.postMessage': {
        const ts = `1764579600.${String(++serial).padStart(6, '0')}`;
        deliveries.push({
          method,
          channel: String(body.channel),
          text: String(body.text ?? ''),
          ts,
          body,
        });
        return { ok: true, channel: body.channel, ts, message: { text: body.text ?? '' } };
      }
      case 'files.getUploadURLExternal': {
        const fileId = `F${String(++serial).padStart(8, '0')}`;
        return { ok: true, upload_url: `${baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = (body.files as Array<{ id: string; title?: string }>) ?? [];
        for (const file of files) {
          deliveries.push({
            method,
            channel: String(body.channel_id),
            text: String(body.initial_comment ?? ''),
            ts: file.id,
            body,
          });
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(body.users ?? 'X').replace(/\W/g, '')}` } };
      case 'views.open':
      case 'views.update':
      case 'views.push':
        return { ok: true, view: { id: `V${++serial}` } };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1764579600.${String(++serial).padStart(6, '0')}` };
      case 'auth.test':
        return { ok: true, user_id: 'UBOT1', bot_id: 'BTEST1', team_id: 'T1' };
      default:
        return { ok: true };
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!url.pathname.startsWith('/api/')) {
        // response_url posts and file upload targets: always taken.
        calls.push({ method: url.pathname, outcome: 'ok', body: { raw }, headers: req.headers });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('OK');
        return;
      }
      const method = url.pathname.slice('/api/'.length);
      const body = parseBody(raw, req.headers['content-type']);
      const fault = nextFault();
      const record = (outcome: Outcome) => calls.push({ method, outcome, body, headers: req.headers });
      const respond = () => {
        if (fault === 500) {
          record('500');
          return json(res, 500, { ok: false, error: 'internal_error' });
        }
        if (fault === 'hang') {
          record('hang');
          hung.add(res); // never answered: the client's timeout gives up
          return;
        }
        if (fault === 'drop') {
          record('drop');
          req.socket.destroy();
          return;
        }
        const blocks = body.blocks;
        const hasBlocks = Array.isArray(blocks) ? blocks.length > 0 : Boolean(blocks);
        const refusal = hasBlocks ? refusals.withBlocks : refusals.withoutBlocks;
        if (method === 'chat.postMessage' && refusal) {
          record('refused');
          return json(res, 200, { ok: false, error: refusal });
        }
        if (fault && typeof fault === 'object') {
          record('429');
          return json(
            res,
            429,
            { ok: false, error: 'ratelimited' },
            { 'retry-after': String(fault.retryAfter) },
          );
        }
        record('ok');
        json(res, 200, answer(method, body));
      };
      if (delayMs > 0) setTimeout(respond, delayMs);
      else respond();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    calls,
    deliveries,
    fail(faults, options = {}) {
      script = [...faults];
      cycle = options.cycle ?? false;
      position = 0;
    },
    refuse(errors) {
      refusals = errors;
    },
    recover() {
      script = [];
      cycle = false;
      refusals = {};
    },
    delay(ms) {
      delayMs = ms;
    },
    outcomes() {
      const counts: Record<Outcome, number> = { ok: 0, '500': 0, '429': 0, hang: 0, drop: 0, refused: 0 };
      for (const call of calls) counts[call.outcome]++;
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
