import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { balanceChanged } from '../app/balance-changed.js';
import type { Deps } from '../app/types.js';
import { DEVICES } from '../domain/money.js';
import { ACCOUNT_NAME_MAX, findAccountByName } from '../services/accounts.js';
import { recordReading } from '../services/devices.js';
import { bearerToken, requireApiToken } from './bearer.js';
import { mediaTypeOf, readBody } from './body.js';
import { HttpError } from './errors.js';
import { type Route, sendJson } from './server.js';

export const DEVICE_COUNTS_PATH = '/api/device-counts';
export const DEVICE_COUNTS_BODY_LIMIT = 10 * 1024;
/** The same ceiling as a count typed in Slack (SPEC §4); 0 is allowed here: an account may go down to no devices. */
export const MAX_DEVICE_COUNT = DEVICES.max;
/** A reading may be stamped a little ahead of our clock (clock skew), never further. */
export const FUTURE_SKEW_MS = 5 * 60_000;
/** The earliest reading taken: an older `at` is a mistake (year 0000 is not even a time PostgreSQL stores). */
export const EARLIEST_READING = new Date('2000-01-01T00:00:00Z');

const FIELD_ERRORS = {
  account: `account must be an account name of 1–${ACCOUNT_NAME_MAX} characters, without control characters`,
  count: `count must be a whole number from 0 to ${MAX_DEVICE_COUNT.toLocaleString('en-US')} (a JSON number, not a string)`,
  at: 'at must be an ISO 8601 time with an offset, e.g. 2026-11-26T10:00:00Z or 2026-11-26T11:00:00+01:00',
} as const;
type Field = keyof typeof FIELD_ERRORS;

/** The body of SPEC §10. Nothing is coerced: `"120"` is not a count. Unknown fields are refused (typos show). */
const DeviceCountBody = z.strictObject({
  account: z
    .string()
    .trim()
    .min(1)
    .max(ACCOUNT_NAME_MAX)
    .regex(/^\P{Cc}*$/u),
  count: z.number().int().min(0).max(MAX_DEVICE_COUNT),
  at: z.iso.datetime({ offset: true }).optional(),
});

type Parsed =
  | { ok: true; value: z.infer<typeof DeviceCountBody>; at: Date | undefined }
  | { ok: false; refusal: HttpError };

/** Content type, JSON and fields, checked without touching the database. */
function parseBody(req: IncomingMessage, raw: Buffer, now: Date): Parsed {
  const refuse = (error: string, field?: Field): Parsed => ({
    ok: false,
    refusal: new HttpError(400, error, field ? { more: { field } } : {}),
  });
  if (mediaTypeOf(req) !== 'application/json')
    return refuse('the body must be JSON (Content-Type: application/json)');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    return refuse('the body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return refuse(
      'the body must be a JSON object: {"account": "<name>", "count": <devices>, "at": "<ISO time>"}',
    );
  const result = DeviceCountBody.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `"${k.slice(0, 40)}"`).join(', ');
      return refuse(`unknown field ${keys}: the fields are account, count and at`);
    }
    const field = issue.path[0] as Field;
    return refuse(FIELD_ERRORS[field] ?? 'the body is not a device count', field);
  }
  const at = result.data.at === undefined ? undefined : new Date(result.data.at);
  if (at !== undefined && Number.isNaN(at.getTime())) return refuse(FIELD_ERRORS.at, 'at');
  if (at !== undefined && at.getTime() > now.getTime() + FUTURE_SKEW_MS)
    return refuse('at must not be more than 5 minutes in the future', 'at');
  if (at !== undefined && at < EARLIEST_READING)
    return refuse(`at must not be before ${EARLIEST_READING.toISOString().slice(0, 10)}`, 'at');
  return { ok: true, value: result.data, at };
}

/**
 * `POST /api/device-counts` (SPEC §8, §10): records a device reading for an account, authenticated by an API token.
 * 201 `{account, count, at, id}`; 401 without a valid bearer token; 400 for a body that is not a valid reading or an
 * unknown account; 413 over 10 KB. The token check, the account lookup and the insert share one transaction, so a
 * refusal writes nothing (not even the token's last use).
 */
export function deviceCountsRoute(deps: Deps): Route {
  return {
    path: DEVICE_COUNTS_PATH,
    method: 'POST',
    handle: async (req, res) => {
      const token = bearerToken(req);
      const raw = await readBody(req, DEVICE_COUNTS_BODY_LIMIT);
      const now = deps.clock.now();
      const parsed = parseBody(req, raw, now);
      const { account, reading, caller } = await deps.db.transaction(async (tx) => {
        const caller = await requireApiToken(tx, token, now);
        if (!parsed.ok) throw parsed.refusal;
        const account = await findAccountByName(tx, parsed.value.account);
        if (!account) throw new HttpError(400, 'unknown account');
        const reading = await recordReading(tx, {
          accountId: account.id,
          count: parsed.value.count,
          at: parsed.at ?? now,
          by: `api:${caller.name}`,
          source: 'api',
        });
        return { account, reading, caller };
      });
      deps.logger.info(
        `API token "${caller.name}" recorded ${reading.count} devices for account ${account.id} (reading ${reading.id})`,
      );
      sendJson(res, 201, {
        account: account.name,
        count: reading.count,
        at: reading.effectiveAt.toISOString(),
        id: reading.id,
      });
      balanceChanged(deps, account.id);
    },
  };
}
