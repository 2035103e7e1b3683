import type { Server } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { App } from '@slack/bolt';
import { jobsAtPrompt } from './app/by-hand.js';
import { createInteractions } from './app/interactions.js';
import { recoveryJob } from './app/jobs.js';
import type { Deps, Interactions } from './app/types.js';
import { systemClock } from './clock.js';
import { type Config, ConfigError, requireCodeSecret } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { ensureSeed } from './db/seed.js';
import { createDeps, outboxSender } from './deps.js';
import { invoiceDocuments } from './documents/invoice-documents.js';
import { metricsRoute } from './http/metrics.js';
import { appRoutes } from './http/routes.js';
import { createRouteServer } from './http/server.js';
import { startJobs } from './jobs/jobs.js';
import { type Logger, registerSecret } from './logger.js';
import { type ConnectorDeps, connectorCount } from './services/connectors.js';
import { createJamfProClient } from './services/jamf/client.js';
import { paymentsFor } from './services/payments/configured.js';
import { claimInstalledTeam } from './services/roles.js';
import { resolveCodeSecret, resolveSecretsKey } from './services/secrets.js';
import { runShell, shellNotifier } from './shell/shell.js';

/** In shell mode the person at the terminal is this user of the shell's own workspace, an owner, in this channel
 * (SPEC §1). */
export const SHELL_USER = 'USHELL';
export const SHELL_TEAM = 'TSHELL';
export const SHELL_CHANNEL = 'local';
/** Where the shell's logs go, so they do not interleave with the session. */
export const SHELL_LOG = '.data/balance.log';

export interface RunningApp {
  database: Database;
  deps: Deps;
  /** The Jamf Pro client and the key connector secrets are sealed with (SPEC §16). */
  connectors: ConnectorDeps;
  /** The port the HTTP routes listen on (useful when PORT=0). */
  port: number;
  /** Where `GET /metrics` is served without a token, with METRICS_PORT. */
  metricsPort?: number;
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

/** Grants kept from before roles named a team (drizzle/0006) belong to the installed workspace: claimed before the
 * app serves. The shell is not that workspace, so it leaves them for the first Slack start. */
async function claimPlaceholderRows(database: Database, teamId: string, logger: Logger): Promise<void> {
  try {
    const claimed = await claimInstalledTeam(database.db, teamId);
    if (claimed > 0)
      logger.info(`${claimed} roles, admins and Home picks from before team ids now name ${teamId}`);
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
  requireCodeSecret(baseConfig); // before anything is opened: a missing key stops the start with its one line
  const shell = baseConfig.slack.mode === 'shell';
  // Bolt and the Web API only in the Slack modes: the shell does not hold them in memory (~17 MiB).
  const slackDoor = shell ? undefined : await import('./slack/app.js');
  // Roles name a team (SPEC §11): the installed workspace's, or the shell's own.
  const teamId = shell
    ? SHELL_TEAM
    : (baseConfig.slack.teamId ?? (await slackDoor!.learnInstalledTeam(baseConfig, logger)));
  const config: Config = {
    ...baseConfig,
    slack: { ...baseConfig.slack, teamId },
    owners: shell ? [...baseConfig.owners, { teamId, userId: SHELL_USER }] : baseConfig.owners,
  };
  const database = await openAppDatabase(config);
  if (!shell) await claimPlaceholderRows(database, teamId, logger);
  const codeSecret = await resolveCodeSecret(database, config);
  const connectors = await connectorsOf(database, config).catch(async (err: unknown) => {
    await database.close();
    throw err;
  });
  // Links to the payment pages follow the real port when PUBLIC_URL is not set and PORT=0 picks one.
  let publicUrl = config.publicUrl;
  const payments = await paymentsFor(config, database.db, () => publicUrl);
  registerSecret(codeSecret);
  let slackApp: App | undefined;
  const sender = await outboxSender(
    shell ? { kind: 'shell', output: terminal.output } : { kind: 'slack' },
    config,
    database.db,
    logger,
    invoiceDocuments({
      db: database.db,
      config,
      codeSecret,
      clock: systemClock,
      publicUrl: () => publicUrl,
    }),
  );
  /** The app's dependencies; on a clock frozen at `now` for a job the shell runs by hand (`jobs … --now`). */
  const depsAt = (now?: Date) =>
    createDeps({
      config,
      db: database.db,
      logger,
      codeSecret,
      payments: payments.provider,
      door: slackDoor ? slackDoor.slackNotifier(() => slackApp!.client) : shellNotifier(terminal.output),
      sender,
      connectors,
      ...(now ? { clock: { now: () => new Date(now) } } : {}),
    });
  const deps = depsAt();
  const interactions = createInteractions(deps);
  const routes = appRoutes(deps, database, payments);

  const slack = slackDoor?.createApp({ config, interactions, logger });
  slackApp = slack?.app;
  // HTTP mode's /slack/events, loaded only then: it verifies requests with Bolt's code, and so loads Bolt.
  const slackEvents =
    slack?.receiver &&
    (await import('./http/slack-events.js')).slackEventsRoute(
      slack.receiver,
      config.slack.signingSecret!,
      logger,
    );
  // One route table, one server, in every mode; in HTTP mode it also holds Slack's /slack/events.
  const server = createRouteServer(slackEvents ? [...routes, slackEvents] : routes, logger);
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : createRouteServer([metricsRoute(deps, { open: true })], logger);
  let port: number;
  let metricsPort: number | undefined;
  try {
    port = await listen(server, config.port);
    if (metricsServer) metricsPort = await listen(metricsServer, config.metricsPort!);
    if (config.slack.mode === 'socket') await slackApp!.start();
  } catch (err) {
    server.close();
    metricsServer?.close();
    await database.close();
    throw err;
  }
  if (config.publicUrlFromPort) publicUrl = `http://localhost:${port}`;
  logger.info(`HTTP routes on port ${port}; database: ${database.kind}; mode: ${config.slack.mode}`);
  if (metricsPort !== undefined) logger.info(`metrics on port ${metricsPort}`);

  const jobs = startJobs(deps);
  void deps.outbox.kick(); // what an earlier process could not send
  deps.background.run('recovery at start', () => recoveryJob(deps)); // what an earlier process left half done
  const jobsAt = (args: string[]) => jobsAtPrompt(depsAt, async () => connectors, args);
  const finished = shell
    ? runShellSession(interactions, terminal, port, jobsAt)
    : new Promise<void>(() => {});

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (slackApp && config.slack.mode === 'socket') await slackApp.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) =>
        metricsServer ? metricsServer.close(() => resolve()) : resolve(),
      );
      await jobs.stop();
      await deps.background.drain();
      await deps.outbox.idle();
      await database.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return {
    database,
    deps,
    connectors,
    port,
    ...(metricsPort === undefined ? {} : { metricsPort }),
    finished,
    stop,
  };
}

/**
 * The Jamf Pro client and SECRETS_KEY (generated for embedded PGlite). With PostgreSQL the key is required once a
 * connection is stored: the start stops with one line naming the variable rather than run a sync that cannot work.
 */
export async function connectorsOf(database: Database, config: Config): Promise<ConnectorDeps> {
  const secretsKey = await resolveSecretsKey(database, config);
  if (secretsKey) registerSecret(secretsKey);
  else if ((await connectorCount(database.db)) > 0)
    throw new ConfigError([
      'SECRETS_KEY: is required with a PostgreSQL DATABASE_URL once an account is connected to Jamf Pro',
    ]);
  return { jamf: createJamfProClient(), secretsKey };
}

/**
 * The shell on the terminal. Started without a terminal (in the background, by a service manager) its input may end
 * at once: then the app keeps serving the HTTP routes and jobs until a signal. At a terminal, Ctrl-D quits like `exit`.
 */
async function runShellSession(
  interactions: Interactions,
  terminal: Terminal,
  port: number,
  jobs: (args: string[]) => Promise<string[]>,
): Promise<void> {
  terminal.output.write(
    `No Slack credentials: running the shell (you are an owner in #${SHELL_CHANNEL}). HTTP routes on port ${port}; logs in ${SHELL_LOG}.\n`,
  );
  const end = await runShell({
    interactions,
    input: terminal.input,
    output: terminal.output,
    person: { teamId: SHELL_TEAM, userId: SHELL_USER },
    channelId: SHELL_CHANNEL,
    jobs,
  });
  const atTerminal = (terminal.input as { isTTY?: boolean }).isTTY === true;
  if (end === 'end-of-input' && !atTerminal) await new Promise<void>(() => {});
}
