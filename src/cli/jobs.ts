import { writeFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { alertJob, deviceSyncJob, invoiceJob, recoveryJob } from '../app/jobs.js';
import type { Config } from '../config.js';
import { type Database, queryRows } from '../db/client.js';
import { createDeps, outboxSender } from '../deps.js';
import { invoicesCsv, ledgerCsv, receivablesCsv } from '../domain/csv.js';
import type { Logger } from '../logger.js';
import { connectorsOf } from '../main.js';
import { namedInvoices } from '../services/invoicing.js';
import { pendingCount } from '../services/outbox.js';
import { paymentsFor } from '../services/payments/configured.js';
import { receivablesReport } from '../services/receivables.js';
import { resolveCodeSecret } from '../services/secrets.js';
import { CliUsageError, parseOptions } from './options.js';

/** A ledger account as the export names it: the account's name for a wallet, "<name> (receivable)", or the kind. */
function ledgerName(ledger: string, account: string) {
  const [l, a] = [sql.raw(ledger), sql.raw(account)];
  return sql`case when ${l}.kind = 'receivable' then ${a}.name || ' (receivable)' else coalesce(${a}.name, ${l}.kind) end`;
}

/** The jobs run by hand outside the app: messages go to Slack when it is configured, else they wait in the outbox. */
async function cliDeps(config: Config, database: Database, logger: Logger, now?: Date) {
  const target = config.slack.mode === 'shell' ? ({ kind: 'none' } as const) : ({ kind: 'slack' } as const);
  return createDeps({
    config,
    db: database.db,
    logger,
    codeSecret: await resolveCodeSecret(database, config),
    payments: paymentsFor(config, database.db).provider,
    door: {
      publishHome: async () => {},
      sendFile: async () => {
        throw new Error('files cannot be sent from the command line');
      },
    },
    sender: outboxSender(target, config, database.db, logger),
    // `--now` stands for the current time everywhere, the outbox's schedule included.
    ...(now ? { clock: { now: () => new Date(now) } } : {}),
  });
}

/** `balance jobs invoices|alerts|devices|recover|outbox [--month YYYY-MM] [--now ISO]`. */
export async function jobsCommand(
  config: Config,
  database: Database,
  logger: Logger,
  args: string[],
): Promise<number> {
  const [job, ...rest] = args;
  const options = parseOptions(rest, job === 'invoices' ? ['month', 'now'] : ['now']);
  const deps = await cliDeps(config, database, logger, options.now);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let code = 0;
  switch (job) {
    case 'invoices': {
      const result = await invoiceJob(deps, { month: options.month });
      if (result.kind === 'busy') {
        say('another process is running the invoice run; nothing done');
        return 1;
      }
      say(
        result.runId === null
          ? 'nothing to invoice: every month that has ended is closed already'
          : `run ${result.runId}: ${result.invoiced} invoices; months closed: ${result.months.join(', ') || 'none'}`,
      );
      break;
    }
    case 'alerts': {
      const { alerts, reminders, suspensions } = await alertJob(deps);
      say(
        `${alerts.length} accounts changed state; ${alerts.filter((c) => c.announced).length} messages queued`,
      );
      const count = (change: string) => suspensions.filter((s) => s.change === change).length;
      say(
        `${reminders.length} payment reminders; ${count('suspended')} accounts suspended, ${count('restored')} restored`,
      );
      break;
    }
    case 'devices': {
      const result = await deviceSyncJob(deps, await connectorsOf(database, config));
      await deps.background.drain();
      if (result.kind === 'busy') {
        say('another process is running the device sync; nothing done');
        return 1;
      }
      for (const { accountId, reason } of result.failures) say(`account ${accountId}: ${reason}`);
      say(
        `${result.synced} accounts counted in Jamf Pro, ${result.failures.length} failed, ` +
          `${result.skipped} already counted this minute; ${result.changed.length} new readings`,
      );
      break;
    }
    case 'recover': {
      const { resolved, unresolved, expiredPayments } = await recoveryJob(deps);
      const settled = resolved.filter((r) => r.status === 'succeeded').length;
      say(
        `refunds: ${settled} settled, ${resolved.length - settled} reversed, ${unresolved} still pending; ` +
          `${expiredPayments} payments expired`,
      );
      if (unresolved > 0) code = 1; // the provider could not say: try again
      break;
    }
    case 'outbox': {
      await deps.outbox.kick();
      break;
    }
    default:
      throw new CliUsageError(
        'usage: balance jobs invoices|alerts|devices|recover|outbox [--month YYYY-MM] [--now ISO time]',
      );
  }
  const waiting = await pendingCount(database.db);
  say(
    config.slack.mode === 'shell'
      ? `${waiting} messages wait in the outbox (no Slack credentials here: the app sends them)`
      : `${waiting} messages still wait in the outbox`,
  );
  return code;
}

const EXPORT_USAGE =
  'usage: balance export invoices|ledger [--month YYYY-MM] [--out file.csv]\n' +
  '       balance export receivables [--now ISO time] [--out file.csv]';

/**
 * `balance export invoices|ledger [--month YYYY-MM] [--out file.csv]` and `balance export receivables [--now ISO]
 * [--out file.csv]` (aged as of `--now`): CSV with a header row.
 */
export async function exportCommand(config: Config, database: Database, args: string[]): Promise<number> {
  const [what, ...rest] = args;
  const options = parseOptions(rest, what === 'receivables' ? ['now', 'out'] : ['month', 'out']);
  let csv: string;
  if (what === 'invoices') csv = await invoicesExport(database, config, options.month);
  else if (what === 'ledger') csv = await ledgerExport(database, config, options.month);
  else if (what === 'receivables') csv = await receivablesExport(database, config, options.now);
  else throw new CliUsageError(EXPORT_USAGE);
  if (options.out) {
    await writeFile(options.out, csv);
    process.stdout.write(`wrote ${options.out}\n`);
  } else process.stdout.write(csv);
  return 0;
}

async function invoicesExport(database: Database, config: Config, month?: string): Promise<string> {
  const rows = await namedInvoices(database.db, { everyAccount: true, month });
  return invoicesCsv(
    rows.map((r) => ({ ...r.invoice, accountName: r.accountName })),
    config.currency,
  );
}

async function receivablesExport(database: Database, config: Config, now?: Date): Promise<string> {
  const report = await receivablesReport(database.db, {
    now: now ?? new Date(),
    timeZone: config.billingTimeZone,
  });
  return receivablesCsv(report.accounts, config.currency);
}

async function ledgerExport(database: Database, config: Config, month?: string): Promise<string> {
  const rows = await queryRows<Record<string, unknown>>(
    database.db,
    sql`select t.*, ${ledgerName('f', 'fa')} as from_name, ${ledgerName('tl', 'ta')} as to_name
        from transfers t
        join ledger_accounts f on f.id = t.from_ledger_id left join accounts fa on fa.id = f.account_id
        join ledger_accounts tl on tl.id = t.to_ledger_id left join accounts ta on ta.id = tl.account_id
        where ${month ?? null}::text is null
           or to_char(t.created_at at time zone ${config.billingTimeZone}, 'YYYY-MM') = ${month ?? null}
        order by t.id`,
  );
  return ledgerCsv(
    rows.map((r) => ({
      id: Number(r.id),
      createdAt: new Date(String(r.created_at)),
      idempotencyKey: String(r.idempotency_key),
      from: String(r.from_name),
      to: String(r.to_name),
      amountCents: BigInt(String(r.amount)),
      reversesId: r.reverses_id === null ? null : Number(r.reverses_id),
      actor: String(r.actor),
      memo: String(r.memo),
    })),
    config.currency,
  );
}
