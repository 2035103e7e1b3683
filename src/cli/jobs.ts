import { writeFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { HAND_JOBS, isHandJob, runJobByHand } from '../app/by-hand.js';
import { CliUsageError, parseOptions } from '../app/job-options.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { type Database, queryRows } from '../db/client.js';
import { createDeps, outboxSender } from '../deps.js';
import { invoiceDocuments } from '../documents/invoice-documents.js';
import { invoicesCsv, ledgerCsv, receivablesCsv } from '../domain/csv.js';
import type { Logger } from '../logger.js';
import { connectorsOf } from '../main.js';
import { namedInvoices } from '../services/invoicing.js';
import { pendingCount } from '../services/outbox.js';
import { paymentsFor } from '../services/payments/configured.js';
import { receivablesReport } from '../services/receivables.js';
import { resolveCodeSecret } from '../services/secrets.js';

/** A ledger account as the export names it: the account's name for a wallet, "<name> (receivable)", or the kind. */
function ledgerName(ledger: string, account: string) {
  const [l, a] = [sql.raw(ledger), sql.raw(account)];
  return sql`case when ${l}.kind = 'receivable' then ${a}.name || ' (receivable)' else coalesce(${a}.name, ${l}.kind) end`;
}

/** The jobs run by hand outside the app: messages go to Slack when it is configured, else they wait in the outbox. */
async function cliDeps(config: Config, database: Database, logger: Logger, now?: Date) {
  const target = config.slack.mode === 'shell' ? ({ kind: 'none' } as const) : ({ kind: 'slack' } as const);
  // `--now` stands for the current time everywhere, the outbox's schedule and the invoices' PDFs included.
  const clock = now ? { now: () => new Date(now) } : systemClock;
  const codeSecret = await resolveCodeSecret(database, config);
  const documents = invoiceDocuments({
    db: database.db,
    config,
    codeSecret,
    clock,
    publicUrl: () => config.publicUrl,
  });
  return createDeps({
    config,
    db: database.db,
    logger,
    codeSecret,
    payments: (await paymentsFor(config, database.db)).provider,
    door: {
      publishHome: async () => {},
      sendFile: async () => {
        throw new Error('files cannot be sent from the command line');
      },
    },
    sender: await outboxSender(target, config, database.db, logger, documents),
    clock,
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
  if (!isHandJob(job))
    throw new CliUsageError(`usage: balance jobs ${HAND_JOBS.join('|')} [--month YYYY-MM] [--now ISO time]`);
  const options = parseOptions(rest, job === 'invoices' ? ['month', 'now'] : ['now']);
  const deps = await cliDeps(config, database, logger, options.now);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const { lines, code } = await runJobByHand(deps, job, {
    month: options.month,
    connectors: () => connectorsOf(database, config),
  });
  for (const line of lines) say(line);
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
