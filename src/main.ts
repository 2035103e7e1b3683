import type { Server } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { App } from '@slack/bolt';
import { createInteractions } from './commands/interactions.js';
import type { Deps, Interactions } from './commands/types.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { ensureSeed } from './db/seed.js';
import { createDeps, outboxSender } from './deps.js';
import { appRoutes, paymentsFor } from './http/routes.js';
import { createRouteServer } from './http/server.js';
import { startJobs } from './jobs/jobs.js';
import { type Logger, registerSecret } from './logger.js';
import { resolveCodeSecret } from './services/secrets.js';
import { runShell, shellNotifier } from './shell/shell.js';
import { createApp, slackNotifier } from './slack/app.js';

/** In shell mode the person at the terminal is this user, an owner, in this channel (SPEC §1). */
export const SHELL_USER = 'USHELL';
export const SHELL_CHANNEL = 'local';
/** Where the shell's logs go, so they do not interleave with the session. */
export const SHELL_LOG = '.data/balance.log';

export interface RunningApp {
  database: Database;
  deps: Deps;
  /** The port the HTTP routes listen on (useful when PORT=0). */
  port: number;
  /** Resolves when the shell session ends (never in the Slack modes). */
  finished: Promise<void>;
  /** Stops taking work, lets in-flight work finish, closes the database. Safe to call twice. */
  stop(): Promise<void>;
}

/** Opens and migrates the database named by the configuration, and makes sure its seed rows exist. */
export async function openAppDatabase(config: Config): Promise<Database> {
  const database = await openDatabase(config.database);
  try {
    await database.migrate();
    await ensureSeed(database.db);
    return database;
  } catch (err) {
    await database.close();
    throw err;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export interface Terminal {
  input: Readable;
  output: Writable;
}

/** config → database → services → the door of this mode, with the HTTP routes of SPEC §10 in every mode. */
export async function startApp(
  baseConfig: Config,
  logger: Logger,
  terminal: Terminal = { input: process.stdin, output: process.stdout },
): Promise<RunningApp> {
  const shell = baseConfig.slack.mode === 'shell';
  const config = shell ? { ...baseConfig, owners: [...baseConfig.owners, SHELL_USER] } : baseConfig;
  const database = await openAppDatabase(config);
  const codeSecret = await resolveCodeSecret(database, config);
  // Links to the payment pages follow the real port when PUBLIC_URL is not set and PORT=0 picks one.
  let publicUrl = config.publicUrl;
  const payments = paymentsFor(config, () => publicUrl);
  registerSecret(codeSecret);
  let slackApp: App | undefined;
  const deps = createDeps({
    config,
    db: database.db,
    logger,
    codeSecret,
    payments: payments.provider,
    door: shell ? shellNotifier(terminal.output) : slackNotifier(() => slackApp!.client),
    sender: outboxSender(
      shell ? { kind: 'shell', output: terminal.output } : { kind: 'slack' },
      config,
      database.db,
      logger,
    ),
  });
  const interactions = createInteractions(deps);
  const routes = appRoutes(deps, database, payments);

  const slack = config.slack.mode === 'shell' ? undefined : createApp({ config, interactions, logger });
  slackApp = slack?.app;
  // One route table, one server, in every mode; in HTTP mode it also holds Slack's /slack/events.
  const server = createRouteServer(slack?.eventsRoute ? [...routes, slack.eventsRoute] : routes, logger);
  let port: number;
  try {
    port = await listen(server, config.port);
    if (config.slack.mode === 'socket') await slackApp!.start();
  } catch (err) {
    server.close();
    await database.close();
    throw err;
  }
  if (config.publicUrlFromPort) publicUrl = `http://localhost:${port}`;
  logger.info(`HTTP routes on port ${port}; database: ${database.kind}; mode: ${config.slack.mode}`);

  const jobs = startJobs(deps);
  void deps.outbox.kick(); // what an earlier process could not send
  const finished = shell ? runShellSession(interactions, terminal, port) : new Promise<void>(() => {});

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (slackApp && config.slack.mode === 'socket') await slackApp.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
      await deps.background.drain();
      await deps.outbox.idle();
      await database.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { database, deps, port, finished, stop };
}

/**
 * The shell on the terminal. Started without a terminal (in the background, by a service manager) its input may end
 * at once: then the app keeps serving the HTTP routes and jobs until a signal. At a terminal, Ctrl-D quits like `exit`.
 */
async function runShellSession(interactions: Interactions, terminal: Terminal, port: number): Promise<void> {
  terminal.output.write(
    `No Slack credentials: running the shell (you are an owner in #${SHELL_CHANNEL}). HTTP routes on port ${port}; logs in ${SHELL_LOG}.\n`,
  );
  const end = await runShell({
    interactions,
    input: terminal.input,
    output: terminal.output,
    userId: SHELL_USER,
    channelId: SHELL_CHANNEL,
  });
  const atTerminal = (terminal.input as { isTTY?: boolean }).isTTY === true;
  if (end === 'end-of-input' && !atTerminal) await new Promise<void>(() => {});
}
