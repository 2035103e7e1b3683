import type { Server } from 'node:http';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { ensureSeed } from './db/seed.js';
import { healthRoute } from './http/health.js';
import { createRouteServer, type Route } from './http/server.js';
import type { Logger } from './logger.js';

export interface RunningApp {
  database: Database;
  /** The port the HTTP routes listen on (useful when PORT=0). */
  port: number;
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

/** config → database → migrate → routes (and, as they land, the Slack door and the jobs). */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = await openAppDatabase(config);
  const routes: Route[] = [healthRoute(database)];
  const server = createRouteServer(routes, logger);
  let port: number;
  try {
    port = await listen(server, config.port);
  } catch (err) {
    await database.close();
    throw err;
  }
  logger.info(`HTTP routes on port ${port}; database: ${database.kind}; mode: ${config.slack.mode}`);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { database, port, stop };
}
