import { readFile } from 'node:fs/promises';
import { CliUsageError } from '../app/job-options.js';
import { type Config, ConfigError, loadConfig, secretsOf } from '../config.js';
import { DatabaseLockedError } from '../db/pglite-lock.js';
import { verifyLedger } from '../ledger/verify.js';
import { createLogger, fileSink, registerSecret } from '../logger.js';
import { openAppDatabase, SHELL_LOG, startApp } from '../main.js';
import { guardProcess } from '../process-guards.js';
import { listPlans } from '../services/accounts.js';
import { createApiToken } from '../services/api-tokens.js';
import { importLicensePacks } from '../services/codes.js';
import { MissingSecretsKeyError } from '../services/connectors.js';
import { UserError } from '../services/errors.js';
import { resolveCodeSecret } from '../services/secrets.js';
import { exportCommand, jobsCommand } from './jobs.js';
import { parseLicensePackCsv } from './license-packs.js';

/** The `balance` command line (SPEC §12). Errors print one clear line and exit non-zero. */
const USAGE = `usage: balance <command>
  start     run the app (what npm start runs)
  migrate   apply the database migrations
  verify    check the ledger's invariants; exits 1 on any mismatch
  license-packs import <file.csv>
            import license pack codes (code,devices,months,plan); all rows or none
  api-tokens create <name>
            make a token for POST /api/device-counts; it is shown only once
  jobs invoices|alerts|devices|recover|outbox [--month YYYY-MM] [--now ISO time]
            run a job by hand; --now stands for the current time (recover: settle or
            reverse refunds a crash left pending; exits 1 if the provider could not say)
  export invoices|ledger [--month YYYY-MM] [--out file.csv]
  export receivables [--now ISO time] [--out file.csv]
            CSV with a header row, to stdout or a file; receivables are aged as of --now`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  for (const secret of secretsOf(config)) registerSecret(secret);
  // In the shell the terminal is the user's: logs go to a file there (SPEC §1), to stderr in every other mode.
  const logger = createLogger({
    level: config.logLevel,
    sink: command === 'start' && config.slack.mode === 'shell' ? fileSink(SHELL_LOG) : undefined,
  });
  switch (command) {
    case 'start': {
      const app = await startApp(config, logger);
      const shutdown = (why: string, code = 0) => {
        logger.info(`${why}: finishing in-flight work`);
        app.stop().then(
          () => process.exit(code),
          (err) => {
            logger.error('shutdown failed', err);
            process.exit(1);
          },
        );
      };
      guardProcess(logger, shutdown);
      process.once('SIGTERM', () => shutdown('SIGTERM received'));
      process.once('SIGINT', () => shutdown('SIGINT received'));
      await app.finished; // the shell's `exit` or Ctrl-D; the Slack modes run until a signal
      await app.stop();
      return 0;
    }
    case 'migrate': {
      const database = await openAppDatabase(config);
      await database.close();
      process.stdout.write('migrations applied\n');
      return 0;
    }
    case 'verify': {
      const database = await openAppDatabase(config);
      try {
        const report = await verifyLedger(database.db);
        for (const problem of report.problems) process.stdout.write(`${problem}\n`);
        process.stdout.write(
          report.ok
            ? `ledger ok: ${report.ledgerAccounts} ledger accounts, ${report.transfers} transfers\n`
            : `ledger NOT consistent: ${report.problems.length} problem(s)\n`,
        );
        return report.ok ? 0 : 1;
      } finally {
        await database.close();
      }
    }
    case 'jobs':
    case 'export': {
      const database = await openAppDatabase(config);
      try {
        return command === 'jobs'
          ? await jobsCommand(config, database, logger, rest)
          : await exportCommand(config, database, rest);
      } finally {
        await database.close();
      }
    }
    case 'license-packs': {
      if (rest[0] !== 'import' || !rest[1]) {
        process.stderr.write('usage: balance license-packs import <file.csv>\n');
        return 2;
      }
      return importPacks(config, rest[1]);
    }
    case 'api-tokens': {
      if (rest[0] !== 'create' || rest[1] === undefined || rest.length !== 2) {
        process.stderr.write('usage: balance api-tokens create <name>\n');
        return 2;
      }
      return createToken(config, rest[1]);
    }
    default:
      process.stderr.write(
        `balance: unknown command "${command.slice(0, 40)}" ${rest.length ? '…' : ''}\n${USAGE}\n`,
      );
      return 2;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      for (const line of err.lines) process.stderr.write(`${line}\n`);
    } else if (
      err instanceof DatabaseLockedError ||
      err instanceof CliUsageError ||
      err instanceof MissingSecretsKeyError
    ) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`balance: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(1);
  },
);

async function importPacks(config: Config, file: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  const database = await openAppDatabase(config);
  try {
    const plans = (await listPlans(database.db)).map((p) => p.code);
    const { rows, errors } = parseLicensePackCsv(text, plans);
    if (errors.length > 0) {
      for (const error of errors) process.stderr.write(`${file}: ${error}\n`);
      process.stderr.write(`${file}: nothing imported\n`);
      return 1;
    }
    const secret = await resolveCodeSecret(database, config);
    const imported = await importLicensePacks(database.db, rows, { actor: 'cli', now: new Date(), secret });
    process.stdout.write(`imported ${imported} license pack code${imported === 1 ? '' : 's'} from ${file}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`${file}: ${err.message}\n${file}: nothing imported\n`);
    return 1;
  } finally {
    await database.close();
  }
}

async function createToken(config: Config, name: string): Promise<number> {
  const database = await openAppDatabase(config);
  try {
    const { token } = await createApiToken(database.db, { name, actor: 'cli', now: new Date() });
    process.stdout.write(
      `${token}\n` +
        `API token "${name.trim()}" created. It is shown only once: store it now; only its hash is kept.\n` +
        'Send it as "Authorization: Bearer <token>" to POST /api/device-counts.\n',
    );
    return 0;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`balance: ${err.message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}
