import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { HttpError } from './errors.js';

/**
 * The one door every HTTP request goes through (SPEC §10, §11), in every mode: the routes of §10 and, in HTTP mode,
 * Slack's `/slack/events`. A route declares its method, path and — for `:name` segments — the zod schema its path
 * parameters must pass; its handler never sees an unchecked parameter. Whatever a handler throws is caught here:
 * known refusals become a 4xx with a short JSON reason, anything else is logged once and answered 500. No request
 * can end the process.
 */
export type Method = 'GET' | 'POST';

export interface Route<P = unknown> {
  method: Method;
  /** Literal segments and `:name` parameters, e.g. `/pay/sandbox/:id`. */
  path: string;
  /** Required when the path has parameters: the decoded parameters are parsed with it before the handler runs. */
  params?: z.ZodType<P>;
  handle(req: IncomingMessage, res: ServerResponse, params: P): Promise<void> | void;
}

interface Compiled {
  route: Route;
  segments: string[];
}

function compile(route: Route): Compiled {
  const segments = route.path.split('/');
  if (segments.some((s) => s.startsWith(':')) && !route.params)
    throw new Error(`route ${route.method} ${route.path} has path parameters but no params schema`);
  return { route, segments };
}

/** The request's path, without its query; `*` and other forms that are not a path are refused. */
function pathOf(req: IncomingMessage): string {
  const target = req.url ?? '';
  if (!target.startsWith('/')) throw new HttpError(400, 'the request target is not a path');
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** The raw (still percent-encoded) parameters when `segments` match `path`. */
function match(segments: string[], path: string[]): Record<string, string> | undefined {
  if (segments.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i]!;
    const got = path[i]!;
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      params[want.slice(1)] = got;
    } else if (want !== got) return undefined;
  }
  return params;
}

/** Decodes each parameter; a bad `%` escape or bytes that are not UTF-8 (`%C0%80`, `%FF`) throw URIError. */
function decodeParams(raw: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, decodeURIComponent(v)]));
}

const REASON_MAX = 200;

/** The first problem zod found, short and without the value that was sent. */
function zodReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the request is not valid';
  const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`.slice(0, REASON_MAX);
}

/** Known errors as the refusal they stand for; anything else is a failure of ours. */
function refusalOf(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof URIError) return new HttpError(400, 'the path is not valid percent-encoded UTF-8');
  if (err instanceof z.ZodError) return new HttpError(400, zodReason(err));
  return undefined;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function answerFailure(
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  where: string,
): void {
  const refusal = refusalOf(err);
  if (refusal && !res.headersSent) {
    sendJson(res, refusal.status, { error: refusal.reason, ...refusal.more }, refusal.headers);
    return;
  }
  if (req.destroyed && (err as { code?: string })?.code === 'ECONNRESET') {
    logger.warn(`${where}: the client went away before the request was read`);
    return;
  }
  logger.error(`${where} failed`, err);
  if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
  else res.destroy();
}

/**
 * The request listener for a route table: finds the route (404; 405 with `Allow` for a known path and another
 * method), checks its parameters and runs it, catching everything it throws or rejects with.
 */
export function routeListener(routes: readonly Route[], logger: Logger): RequestListener {
  const table = routes.map(compile);
  return (req, res) => {
    let where = `${String(req.method).slice(0, 16)} (no route)`;
    const serve = async () => {
      const path = pathOf(req).split('/');
      const allowed = new Set<string>();
      for (const { route, segments } of table) {
        const raw = match(segments, path);
        if (!raw) continue;
        if (route.method !== req.method) {
          allowed.add(route.method);
          continue;
        }
        where = `${route.method} ${route.path}`;
        const params = route.params ? route.params.parse(decodeParams(raw)) : undefined;
        await route.handle(req, res, params);
        return;
      }
      if (allowed.size > 0)
        throw new HttpError(405, 'method not allowed', { headers: { allow: [...allowed].join(', ') } });
      throw new HttpError(404, 'not found');
    };
    serve().catch((err: unknown) => answerFailure(err, req, res, logger, where));
  };
}

/** The route table on a server of its own (every mode; in HTTP mode it also holds `/slack/events`). */
export function createRouteServer(routes: readonly Route[], logger: Logger): Server {
  return createServer(routeListener(routes, logger));
}
