import { createServer, type Server, type ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from '../logger.js';

export type Route = CustomRoute;
/** The request Bolt hands a custom route: Node's IncomingMessage plus path `params`. */
export type Request = Parameters<CustomRoute['handler']>[0];

/** Matches `/pay/sandbox/:id` style paths; the same patterns Bolt's customRoutes accept. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      params[w.slice(1)] = decodeURIComponent(g);
    } else if (w !== g) return undefined;
  }
  return params;
}

/**
 * Serves the routes of SPEC §10 on their own (shell and Socket Mode); in HTTP mode the same routes are handed to
 * Bolt's receiver as customRoutes instead.
 */
export function createRouteServer(routes: Route[], logger: Logger): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    for (const route of routes) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const params = matchPath(route.path, path);
      if (!params || !methods.some((m) => m.toUpperCase() === req.method)) continue;
      const request = Object.assign(req, { params }) as Request;
      Promise.resolve(route.handler(request, res)).catch((err: unknown) => {
        logger.error('route failed', route.path, err);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
