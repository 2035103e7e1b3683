import { sql } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import type { Clock } from '../clock.js';
import { type Db, queryRows } from '../db/client.js';
import { registry } from '../metrics.js';
import { authenticateApiToken } from '../services/api-tokens.js';
import { bearerToken, unauthorized } from './bearer.js';
import type { Route } from './server.js';

export const METRICS_PATH = '/metrics';

/**
 * Figures read from the database at each scrape, so every replica reports the same ones whichever of them did the
 * work (the invoice run, the outbox's sending). Set just before the registry is rendered.
 */
const gauge = (name: string, help: string, labelNames: string[] = []) =>
  new Gauge({ name, help, labelNames, registers: [registry] });
const postings = gauge(
  'balance_postings',
  'Transfers posted to the ledger (all replicas; use delta() or deriv())',
);
const outboxMessages = gauge('balance_outbox_messages', 'Outbox messages by status (pending, failed)', [
  'status',
]);
const outboxOldestPending = gauge(
  'balance_outbox_oldest_pending_age_seconds',
  'Age of the oldest pending outbox message, 0 when none is pending',
);
const invoiceRunDuration = gauge(
  'balance_invoice_run_duration_seconds',
  'Duration of the last finished invoice run, 0 before the first',
);
const invoiceRunAccounts = gauge(
  'balance_invoice_run_accounts',
  'Accounts invoiced by the last finished invoice run, 0 before the first',
);
const invoiceRunFinished = gauge(
  'balance_invoice_run_last_finished_timestamp_seconds',
  'When the last invoice run finished, by any replica or `balance jobs invoices` (Unix time; 0 before the first)',
);

interface Figures {
  postings: unknown;
  pending: unknown;
  failed: unknown;
  oldest_pending_s: unknown;
  run_s: unknown;
  run_accounts: unknown;
  run_finished_s: unknown;
}

/** One statement, one round trip per scrape. */
async function readFigures(db: Db, now: Date): Promise<Figures> {
  const [row] = await queryRows<Figures>(
    db,
    sql`with last_run as (
          select id, started_at, finished_at from invoice_runs where status = 'finished'
          order by finished_at desc limit 1)
        select (select count(*) from transfers) as postings,
               (select count(*) from outbox where status = 'pending') as pending,
               (select count(*) from outbox where status = 'failed') as failed,
               coalesce((select extract(epoch from ${now.toISOString()}::timestamptz - min(created_at))
                         from outbox where status = 'pending'), 0)::float8 as oldest_pending_s,
               (select extract(epoch from finished_at - started_at) from last_run)::float8 as run_s,
               (select count(*) from invoices where run_id = (select id from last_run)) as run_accounts,
               (select extract(epoch from finished_at) from last_run)::float8 as run_finished_s`,
  );
  return row!;
}

function setFigures(f: Figures): void {
  postings.set(Number(f.postings));
  outboxMessages.set({ status: 'pending' }, Number(f.pending));
  outboxMessages.set({ status: 'failed' }, Number(f.failed));
  outboxOldestPending.set(Math.max(0, Number(f.oldest_pending_s)));
  for (const [metric, value] of [
    [invoiceRunDuration, f.run_s],
    [invoiceRunAccounts, f.run_accounts],
    [invoiceRunFinished, f.run_finished_s],
  ] as const) {
    if (value === null || value === undefined) metric.reset();
    else metric.set(Number(value));
  }
}

/**
 * `GET /metrics` in Prometheus' text format. On the app's port it needs a Bearer API token (the same tokens as
 * `POST /api/device-counts`, SPEC §10); on METRICS_PORT (`open`) it is served without one, that port being for the
 * operator's network only.
 */
export function metricsRoute(deps: { db: Db; clock: Clock }, options: { open: boolean }): Route {
  return {
    method: 'GET',
    path: METRICS_PATH,
    handle: async (req, res) => {
      const now = deps.clock.now();
      if (!options.open) {
        const token = bearerToken(req);
        if (!(await authenticateApiToken(deps.db, token, now)))
          throw unauthorized('the API token is not valid', true);
      }
      setFigures(await readFigures(deps.db, now));
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(body);
    },
  };
}
