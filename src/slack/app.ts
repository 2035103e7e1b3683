import { App, type CustomRoute, HTTPReceiver } from '@slack/bolt';

/** The largest request Balance reads from Slack. */
export const MAX_BODY_BYTES = 1_000_000;

import { WebClient } from '@slack/web-api';
import type { DoorNotifier } from '../commands/notifier.js';
import type { Interactions } from '../commands/types.js';
import { type Config, ConfigError } from '../config.js';
import { TEAM_ID } from '../domain/identity.js';
import type { Logger } from '../logger.js';
import { registerActions } from './listeners/actions.js';
import { registerCommand } from './listeners/command.js';
import { registerHome } from './listeners/home.js';
import { registerViews } from './listeners/views.js';

export interface SlackAppOptions {
  config: Config;
  interactions: Interactions;
  logger: Logger;
  /** HTTP mode only: the routes of SPEC §10, served by Bolt's receiver beside /slack/events. */
  routes?: CustomRoute[];
  /** Tests turn the Web API's retries off so a failing call fails at once. */
  retries?: number;
}

/** Builds the Bolt app for HTTP or Socket Mode without starting it (tests build it the same way). */
export function createApp({ config, interactions, logger, routes = [], retries }: SlackAppOptions): App {
  const { slack } = config;
  if (!slack.botToken || !slack.signingSecret) throw new Error('Slack credentials are missing');
  // Slack's own payloads are small: anything over 1 MB is refused before it is parsed (Bolt allows 4 MB).
  const receiver =
    slack.mode === 'socket'
      ? undefined
      : new HTTPReceiver({
          signingSecret: slack.signingSecret,
          customRoutes: routes,
          bodyLimit: MAX_BODY_BYTES,
          logger,
        });
  const app = new App({
    token: slack.botToken,
    ...(receiver
      ? { receiver }
      : { signingSecret: slack.signingSecret, socketMode: true, appToken: slack.appToken }),
    ...(slack.botId ? { botId: slack.botId } : {}),
    ...(slack.botUserId ? { botUserId: slack.botUserId } : {}),
    logger,
    logLevel: logger.getLevel(),
    clientOptions: {
      ...(slack.apiUrl ? { slackApiUrl: ensureTrailingSlash(slack.apiUrl) } : {}),
      ...(retries === undefined ? {} : { retryConfig: { retries } }),
    },
  });
  registerCommand(app, interactions, logger);
  registerActions(app, interactions, logger);
  registerViews(app, interactions, logger);
  registerHome(app, interactions);
  app.error(async (err) => logger.error('Slack listener failed', err));
  return app;
}

/** Proactive messages and Home tabs, straight through the Web API. */
export function slackNotifier(client: () => WebClient): DoorNotifier {
  return {
    publishHome: async (userId, view) => {
      await client().views.publish({ user_id: userId, view });
    },
    sendFile: async (userId, file) => {
      const dm = await client().conversations.open({ users: userId });
      await client().files.uploadV2({
        channel_id: dm.channel!.id!,
        filename: file.name,
        content: file.content,
        title: file.name,
      });
      return 'in your DM with Balance';
    },
  };
}

/**
 * The workspace the bot token was installed in, from auth.test, when SLACK_TEAM_ID does not say it. Without it no
 * role can be matched, so a failure stops the start with one line.
 */
export async function learnInstalledTeam(config: Config, logger: Logger): Promise<string> {
  const { slack } = config;
  const client = new WebClient(slack.botToken, {
    logger,
    logLevel: logger.getLevel(),
    retryConfig: { retries: 2 },
    ...(slack.apiUrl ? { slackApiUrl: ensureTrailingSlash(slack.apiUrl) } : {}),
  });
  const fail = (why: string) =>
    new ConfigError([`SLACK_TEAM_ID: is not set and auth.test did not name the workspace (${why})`]);
  const answer = await client.auth.test().catch((err: unknown) => {
    throw fail(err instanceof Error ? err.message.slice(0, 120) : 'no answer');
  });
  if (typeof answer.team_id !== 'string' || !TEAM_ID.test(answer.team_id))
    throw fail('no team id in its answer');
  return answer.team_id;
}

function ensureTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
