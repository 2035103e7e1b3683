import type { Database } from '../db/client.js';
import { type Route, sendJson } from './server.js';

/** `GET /healthz`: 200 when the database answers, 503 otherwise (SPEC §10). */
export function healthRoute(database: Pick<Database, 'ping'>): Route {
  return {
    path: '/healthz',
    method: 'GET',
    handle: async (_req, res) => {
      const ok = await database.ping();
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'database unavailable' });
    },
  };
}
