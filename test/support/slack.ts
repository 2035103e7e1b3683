import { createHmac, randomUUID } from 'node:crypto';
import nock from 'nock';
import { createInteractions } from '../../src/app/interactions.js';
import type { Deps } from '../../src/app/types.js';
import { type Clock, fixedClock, systemClock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { createDeps, outboxSender } from '../../src/deps.js';
import { type InvoiceDocuments, invoiceDocuments } from '../../src/documents/invoice-documents.js';
import { appRoutes } from '../../src/http/routes.js';
import { createRouteServer } from '../../src/http/server.js';
import { slackEventsRoute } from '../../src/http/slack-events.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ConnectorDeps } from '../../src/services/connectors.js';
import { type Payments, paymentsFor } from '../../src/services/payments/configured.js';
import { createApp, slackNotifier } from '../../src/slack/app.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const SLACK_API = 'http://slack.test';
export const OWNER = 'UOWNER1';
/** The workspace the app is installed in (SLACK_TEAM_ID of testConfig), and another one (Slack Connect). */
export const TEAM = 'T1';
export const OTHER_TEAM = 'T2OTHER';
export const CODE_SECRET = 'test-code-secret-0123456789abcdef0123456789';

/** Slack's v0 request signature over `v0:<timestamp>:<raw body>`. */
export function sign(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SIGNING_SECRET) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

/** A `/balance` slash command's body as Slack posts it: the owner in #general, unless `fields` say otherwise. */
export function slashCommand(fields: Record<string, string>): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: OWNER,
    user_name: 'someone',
    command: '/balance',
    text: '',
    response_url: `${SLACK_API}/respond/1`,
    trigger_id: `trigger.${Math.random()}`,
    api_app_id: 'A1',
    ...fields,
  }).toString();
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: `${SLACK_API}/api/`,
    SLACK_BOT_ID: 'BTEST1',
    SLACK_BOT_USER_ID: 'UBOT1',
    SLACK_TEAM_ID: TEAM,
    BALANCE_OWNERS: OWNER,
    DATABASE_URL: 'pglite://memory',
    ...overrides,
  });
}

/** The invoice documents the outbox sends in tests: links under the config's PUBLIC_URL, signed with CODE_SECRET. */
export function testDocuments(
  db: Db,
  config: Config = testConfig(),
  clock: Clock = systemClock,
): InvoiceDocuments {
  return invoiceDocuments({ db, config, codeSecret: CODE_SECRET, clock, publicUrl: () => config.publicUrl });
}

export interface SlackHarness {
  url: string;
  deps: Deps;
  clock: ReturnType<typeof fixedClock>;
  logLines: string[];
  /** POSTs a signed body to /slack/events. */
  post(body: string, contentType?: string, headers?: Record<string, string>): Promise<Response>;
  /** `/balance <text>`; every call is a new request (its own trigger id) unless `triggerId` replays one. */
  command(
    text: string,
    as?: { userId?: string; teamId?: string; channelId?: string; triggerId?: string },
  ): Promise<Response>;
  interaction(payload: unknown): Promise<Response>;
  /** Submits a modal as `userId` (of the installed team): the view Slack opened, its state, its view id. */
  submitView(
    userId: string,
    view: { callback_id: string; private_metadata: string },
    state: unknown,
    viewId: string,
  ): Promise<Response>;
  event(event: Record<string, unknown>, teamId?: string): Promise<Response>;
  /** Waits for work that follows replies: Home refreshes, balance checks, the outbox. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** The real Bolt app on its real HTTP receiver, on a free port, with the Slack Web API intercepted by nock. */
export async function startSlack(
  db: Db,
  options: {
    clock?: Clock;
    config?: Config;
    payments?: Payments;
    /** How the outbox waits out Slack's Retry-After (tests pass a fake). */
    sleep?: (ms: number) => Promise<void>;
    /** Jamf Pro (a fake) and SECRETS_KEY, for `/balance devices connect`. */
    connectors?: ConnectorDeps;
  } = {},
): Promise<SlackHarness> {
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const config = options.config ?? testConfig();
  const logLines: string[] = [];
  const logger: Logger = createLogger({ level: 'debug', sink: (line) => logLines.push(line) });
  const payments = options.payments ?? (await paymentsFor(config, db));
  const clock = (options.clock as ReturnType<typeof fixedClock>) ?? fixedClock('2026-11-26T10:00:00Z');
  let app: ReturnType<typeof createApp>['app'] | undefined;
  const deps = createDeps({
    config,
    db,
    logger,
    clock,
    codeSecret: CODE_SECRET,
    payments: payments.provider,
    door: slackNotifier(() => app!.client),
    sender: await outboxSender({ kind: 'slack' }, config, db, logger, testDocuments(db, config, clock)),
    sleep: options.sleep,
    connectors: options.connectors,
  });
  const slack = createApp({ config, interactions: createInteractions(deps), logger, retries: 0 });
  app = slack.app;
  const server = createRouteServer(
    [
      ...appRoutes(deps, { ping: async () => true }, payments),
      slackEventsRoute(slack.receiver!, config.slack.signingSecret!, logger),
    ],
    logger,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const post = (body: string, contentType = 'application/x-www-form-urlencoded', headers = sign(body)) =>
    fetch(`${url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, ...headers },
    });
  const interaction = (payload: unknown) =>
    post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  return {
    url,
    deps,
    clock,
    logLines,
    post,
    command: (text, as = {}) =>
      post(
        slashCommand({
          text,
          team_id: as.teamId ?? TEAM,
          channel_id: as.channelId ?? 'C0GENERAL',
          user_id: as.userId ?? OWNER,
          trigger_id: as.triggerId ?? `trigger.${randomUUID()}`,
        }),
      ),
    interaction,
    submitView: (userId, view, state, viewId) =>
      interaction({
        type: 'view_submission',
        user: { id: userId, team_id: TEAM },
        api_app_id: 'A1',
        view: {
          id: viewId,
          type: 'modal',
          callback_id: view.callback_id,
          private_metadata: view.private_metadata,
          blocks: [],
          state,
        },
      }),
    event: (event, teamId = TEAM) =>
      post(
        JSON.stringify({
          type: 'event_callback',
          team_id: teamId,
          api_app_id: 'A1',
          event_id: `Ev${Date.now()}`,
          event_time: 1,
          event,
        }),
        'application/json',
      ),
    settle: async () => {
      await deps.background.drain();
      await deps.outbox.idle();
      await deps.background.drain();
    },
    stop: async () => {
      await deps.background.drain();
      await deps.outbox.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Intercepts one Web API method; the returned list collects the parsed request bodies it received. */
export function slackApi(method: string, reply: Record<string, unknown> = {}, times = 1): unknown[] {
  const bodies: unknown[] = [];
  nock(SLACK_API)
    .post(`/api/${method}`)
    .times(times)
    .reply(200, (_uri, body) => {
      bodies.push(parseBody(body));
      return { ok: true, ...reply };
    });
  return bodies;
}

/** Intercepts a file upload to a user's DM (files.uploadV2's three steps); returns the DMs opened and the uploads. */
export function fileUploads(): { opened: unknown[]; uploads: string[] } {
  const opened = slackApi('conversations.open', { channel: { id: 'D0UPLOAD' } });
  const uploads: string[] = [];
  nock(SLACK_API)
    .post('/api/files.getUploadURLExternal')
    .reply(200, { ok: true, upload_url: `${SLACK_API}/upload/1`, file_id: 'F1' })
    .post('/upload/1')
    .reply(200, (_uri, body) => {
      uploads.push(String(body));
      return 'OK';
    })
    .post('/api/files.completeUploadExternal')
    .reply(200, { ok: true, files: [{ id: 'F1' }] });
  return { opened, uploads };
}

/** Intercepts response_url posts. */
export function responseUrl(times = 1): unknown[] {
  const bodies: unknown[] = [];
  nock(SLACK_API)
    .post('/respond/1')
    .times(times)
    .reply(200, (_uri, body) => {
      bodies.push(parseBody(body));
      return 'ok';
    });
  return bodies;
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    const params = Object.fromEntries(new URLSearchParams(body));
    for (const key of ['blocks', 'view']) if (params[key]) params[key] = JSON.parse(params[key]);
    return params;
  }
}
