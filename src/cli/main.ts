import { ConfigError, loadConfig, secretsOf } from '../config.js';
import { DatabaseLockedError } from '../db/pglite-lock.js';
import { verifyLedger } from '../ledger/verify.js';
import { createLogger, registerSecret } from '../logger.js';
import { openAppDatabase, startApp } from '../main.js';

/** The `balance` command line (SPEC §12). Errors print one clear line and exit non-zero. */
const USAGE = `usage: balance <command>
  start     run the app (what npm start runs)
  migrate   apply the database migrations
  verify    check the ledger's invariants; exits 1 on any mismatch`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  for (const secret of secretsOf(config)) registerSecret(secret);
  const logger = createLogger({ level: config.logLevel });
  switch (command) {
    case 'start': {
      const app = await startApp(config, logger);
      const shutdown = (signal: string) => {
        logger.info(`${signal} received: finishing in-flight work`);
        app.stop().then(
          () => process.exit(0),
          (err) => {
            logger.error('shutdown failed', err);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
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
    } else if (err instanceof DatabaseLockedError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`balance: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(1);
  },
);
