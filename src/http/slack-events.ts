import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import type { BufferedIncomingMessage, HTTPReceiver } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { readBody, utf8 } from './body.js';
import { HttpError } from './errors.js';
import type { Route } from './server.js';
import { signedInTheFuture } from './signed-time.js';

/** The largest request Balance reads from Slack: its own payloads are small (Bolt would take 4 MB). */
const MAX_BODY_BYTES = 1_000_000;
export const SLACK_EVENTS_PATH = '/slack/events';

// What Slack sends to /slack/events (docs.slack.dev: slash commands, interactivity payloads, the Events API), down
// to the fields Bolt and Balance's listeners read. Bolt dereferences these without checking (`body.ssl_check` of a
// JSON `null`, `body.user.id` of an interaction without a user): a body that lacks them is refused here instead.
const slackId = z.string().regex(/^[A-Z0-9]{1,40}$/, 'is not a Slack id');
const triggerId = z.string().regex(/^[\w.-]{1,255}$/, 'is not a trigger id');
const url = z.string().max(2000);
const team = z.looseObject({ id: slackId }).nullable();
const user = z.looseObject({ id: slackId, team_id: slackId.optional() });
const enterprise = z.looseObject({ id: slackId }).nullable();

const SlashCommand = z.looseObject({
  command: z.string().regex(/^\/[\w-]{1,32}$/, 'is not a slash command'),
  text: z.string().optional(),
  user_id: slackId,
  channel_id: slackId,
  team_id: slackId,
  enterprise_id: slackId.optional(),
  trigger_id: triggerId,
  response_url: url.optional(),
});

const View = z.looseObject({
  id: slackId,
  callback_id: z.string().max(255),
  private_metadata: z.string().max(3000).optional(),
  hash: z.string().max(255).optional(),
  state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) }).optional(),
  app_installed_team_id: slackId.optional(),
});

const interaction = { user, team: team.optional(), enterprise: enterprise.optional() };
const Interaction = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('block_actions'),
    ...interaction,
    actions: z.array(z.looseObject({ action_id: z.string().max(255), block_id: z.string().max(255) })).min(1),
    view: View.optional(),
    channel: z.looseObject({ id: slackId }).nullish(),
    container: z.looseObject({}).optional(),
    trigger_id: triggerId.optional(),
    response_url: url.optional(),
  }),
  z.looseObject({ type: z.enum(['view_submission', 'view_closed']), ...interaction, view: View }),
]);

const EventsApi = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string().max(500) }),
  z.looseObject({ type: z.literal('app_rate_limited') }),
  z.looseObject({
    type: z.literal('event_callback'),
    team_id: slackId.optional(),
    enterprise_id: slackId.nullish(),
    authorizations: z
      .array(z.looseObject({ team_id: slackId.nullish(), enterprise_id: slackId.nullish() }))
      .optional(),
    event: z.looseObject({
      type: z.string().max(100),
      user: z.union([slackId, z.looseObject({ id: slackId })]).optional(),
      channel: z.union([slackId, z.looseObject({})]).optional(),
      item: z.looseObject({}).optional(),
      subteam: z.looseObject({}).optional(),
    }),
  }),
]);

/** Bolt's own test for a form body (the exact header), so both read a body the same way. */
const isForm = (req: BufferedIncomingMessage) =>
  req.headers['content-type'] === 'application/x-www-form-urlencoded';

/** A form body's fields, parsed once for the checks below. */
function formOf(req: BufferedIncomingMessage): ReturnType<typeof parseQuery> | undefined {
  return isForm(req) ? parseQuery(req.rawBody.toString()) : undefined;
}

/** Slack's SSL check: unsigned by design; Bolt answers 200 to `ssl_check=1` without dispatching anything. */
function isSslCheck(form: ReturnType<typeof parseQuery> | undefined): boolean {
  return form?.ssl_check === '1';
}

const SIGNATURE = /^v0=([0-9a-f]{64})$/;
/** Bolt's and Slack's replay window: a request signed longer ago than this is refused. */
const MAX_AGE_SECONDS = 5 * 60;

/**
 * Signed with our secret (Slack's v0 scheme: HMAC-SHA256 of `v0:<stamp>:<body>`), stamped within the last 5 minutes
 * (Bolt's rule) and not in the future, which Bolt lets through. One HMAC and a constant-time compare: Bolt's
 * `verifySlackRequest` compares through two more HMACs.
 */
function verifySignature(req: BufferedIncomingMessage, signingSecret: string, nowMs = Date.now()): void {
  const stamp = req.headers['x-slack-request-timestamp'];
  const signature = req.headers['x-slack-signature'];
  const hex = typeof signature === 'string' ? SIGNATURE.exec(signature)?.[1] : undefined;
  if (typeof stamp !== 'string' || !/^\d{1,12}$/.test(stamp) || !hex)
    throw new Error('no signature headers in Slack’s v0 form');
  const seconds = Number(stamp);
  if (signedInTheFuture(seconds, nowMs)) throw new Error('the request is stamped in the future');
  if (seconds < Math.floor(nowMs / 1000) - MAX_AGE_SECONDS)
    throw new Error('the request was signed more than 5 minutes ago');
  const expected = createHmac('sha256', signingSecret).update(`v0:${stamp}:`).update(req.rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(hex, 'hex'))) throw new Error('the signature does not match');
}

/** Whether a NUL byte hides anywhere in a parsed body (PostgreSQL refuses it in text; Slack never sends one). */
function holdsNul(body: unknown): boolean {
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/** The body as Bolt will parse it (`HTTPModuleFunctions.parseHTTPRequestBody`), refused unless it is one of Slack's
 * shapes. A form body arrives parsed: Bolt's own parse would be the third of the same text. */
function checkEnvelope(req: BufferedIncomingMessage, form: ReturnType<typeof parseQuery> | undefined): void {
  const json = (req.headers['content-type'] ?? '').split(';')[0]!.trim() === 'application/json';
  if (!form && !json)
    throw new HttpError(415, 'Slack sends application/x-www-form-urlencoded or application/json');
  utf8(req.rawBody);
  const payload = form?.payload;
  let body: unknown;
  try {
    body = form
      ? typeof payload === 'string'
        ? JSON.parse(payload)
        : form
      : JSON.parse(req.rawBody.toString());
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  const schema = !form ? EventsApi : typeof payload === 'string' ? Interaction : SlashCommand;
  schema.parse(body);
  if (holdsNul(body)) throw new HttpError(400, 'the body holds a NUL character');
}

/**
 * `POST /slack/events` in the route table: the request is read (1 MB at most), its signature checked — including a
 * stamp more than a minute ahead, which Bolt lets through — and its body held to Slack's shapes before Bolt's
 * receiver, handed the buffered body, dispatches it. A refusal is a 4xx and reaches no listener.
 */
export function slackEventsRoute(receiver: HTTPReceiver, signingSecret: string, logger: Logger): Route {
  const forward = receiver.requestListener;
  return {
    method: 'POST',
    path: SLACK_EVENTS_PATH,
    handle: async (req, res) => {
      const buffered = Object.assign(req, { rawBody: await readBody(req, MAX_BODY_BYTES) });
      const form = formOf(buffered);
      if (!isSslCheck(form)) {
        try {
          verifySignature(buffered, signingSecret);
        } catch (err) {
          logger.warn(`refused a Slack request: ${err instanceof Error ? err.message : String(err)}`);
          throw new HttpError(401, 'the request is not signed by Slack');
        }
        checkEnvelope(buffered, form);
      }
      forward(buffered, res);
    },
  };
}
