import { App, HTTPReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { DoorNotifier } from '../app/notifier.js';
import type { Interactions } from '../app/types.js';
import { type Config, ConfigError } from '../config.js';
import { TEAM_ID } from '../domain/identity.js';
import type { Logger } from '../logger.js';
import { registerActions } from './listeners/actions.js';
import { registerCommand } from './listeners/command.js';
import { registerHome } from './listeners/home-opened.js';
import { registerViews } from './listeners/views.js';
import { renderHome } from './render/message.js';

export interface SlackAppOptions {
  config: Config;
  interactions: Interactions;
  logger: Logger;
  /** Tests turn the Web API's retries off so a failing call fails at once. */
  retries?: number;
}

export interface SlackDoor {
  app: App;
  /** HTTP mode: the receiver behind `POST /slack/events` (src/http/slack-events.ts), served from the app's route
   * table, never by `app.start()`. */
  receiver?: HTTPReceiver;
}

/**
 * Builds the Bolt app for HTTP or Socket Mode without starting it (tests build it the same way). In HTTP mode its
 * receiver is not started: the route table serves /slack/events through the one route wrapper, like every route.
 */
export function createApp({ config, interactions, logger, retries }: SlackAppOptions): SlackDoor {
  const { slack } = config;
  if (!slack.botToken || !slack.signingSecret) throw new Error('Slack credentials are missing');
  const receiver =
    slack.mode === 'socket'
      ? undefined
      : // The route in front of it (src/http/slack-events.ts) has checked the signature already: checking it twice
        // was a second HMAC of every body.
        new HTTPReceiver({ signingSecret: slack.signingSecret, signatureVerification: false, logger });
  const app = new App({
    token: slack.botToken,
    ...(receiver
      ? { receiver }
      : { signingSecret: slack.signingSecret, socketMode: true, appToken: slack.appToken }),
    ...(slack.botId ? { botId: slack.botId } : {}),
    ...(slack.botUserId ? { botUserId: slack.botUserId } : {}),
    logger,
    logLevel: logger.getLevel(),
    // Balance keeps no conversation state in Bolt: its store middleware ran on every request for nothing.
    convoStore: false,
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
  return {
    app,
    ...(receiver ? { receiver } : {}),
  };
}

/** Proactive messages and Home tabs, straight through the Web API. */
export function slackNotifier(client: () => WebClient): DoorNotifier {
  return {
    publishHome: async (userId, view) => {
      await client().views.publish({ user_id: userId, view: renderHome(view) });
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
