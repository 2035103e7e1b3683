import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Clock, systemClock } from '../../clock.js';
import type { JamfCredentials } from '../../domain/jamf.js';
import { JamfError, type JamfPro, type ManagedDeviceCounts } from './port.js';

/**
 * The Jamf Pro API over HTTP (Node's fetch), as documented by Jamf:
 * - OAuth client credentials: `POST /api/oauth/token`, form `grant_type=client_credentials&client_id=…&client_secret=…`,
 *   answering `{"access_token", "scope", "token_type": "Bearer", "expires_in": 599}` (developer.jamf.com/jamf-pro/docs/
 *   client-credentials; learn.jamf.com "Generating a Client Secret"; reference `postOauthToken`). A refused client
 *   gets 401 (400 for a malformed grant).
 * - Managed computers: `GET /api/v1/computers-inventory?section=GENERAL&page=0&page-size=1&filter=
 *   general.remoteManagement.managed==true` (RSQL; `general.remoteManagement.managed` is among the filterable
 *   fields), answering `ComputerInventorySearchResults` `{"totalCount", "results": [...]}`.
 * - Managed mobile devices: `GET /api/v2/mobile-devices` documents only `page`, `page-size` and `sort` (no filter,
 *   and its `MobileDeviceV2` items carry no managed flag), so the count is read from its inventory view
 *   `GET /api/v2/mobile-devices/detail?section=GENERAL&page=0&page-size=1&filter=managed==true` (`managed` is among
 *   its filterable fields), answering `MobileDeviceInventorySearchResults` `{"totalCount", "results": [...]}`.
 * - Errors are `{"httpStatus", "errors": [...]}`; 401 for a missing or expired token, 403 for a missing privilege.
 * Jamf Pro itself has no rate limit (its scalability guide asks for at most 5 concurrent connections; this client
 * makes one at a time), but Jamf Cloud's gateways may answer 429 or 503 with Retry-After: both are honoured.
 */
export const COMPUTERS_PATH = '/api/v1/computers-inventory';
export const MOBILE_DEVICES_PATH = '/api/v2/mobile-devices/detail';
export const TOKEN_PATH = '/api/oauth/token';
export const MANAGED_COMPUTERS_FILTER = 'general.remoteManagement.managed==true';
export const MANAGED_MOBILE_DEVICES_FILTER = 'managed==true';

export interface JamfClientOptions {
  fetch?: typeof fetch;
  clock?: Clock;
  /** Waits between tries (tests pass one that records and returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** Per request, the answer's body included. */
  timeoutMs?: number;
  /** Tries of one request when Jamf Pro answers 429 or 5xx. */
  maxAttempts?: number;
  /** A Retry-After longer than this is not waited out: the request fails as rate-limited. */
  maxRetryAfterMs?: number;
  /** A token is renewed this long before Jamf Pro said it expires. */
  tokenMarginMs?: number;
  /** Answers larger than this are not Jamf Pro's to a one-item page. */
  maxBodyBytes?: number;
}

const TokenAnswer = z.object({
  access_token: z.string().min(1).max(10_000),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive(),
});

const CountAnswer = z.object({
  totalCount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  results: z.array(z.unknown()),
});

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

interface CachedToken {
  token: string;
  /** When it is renewed (Jamf Pro's expiry less the margin). */
  renewAt: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createJamfProClient(options: JamfClientOptions = {}): JamfPro {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? sleepFor;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 3;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const tokenMarginMs = options.tokenMarginMs ?? 60_000;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  // Tokens live in memory only, keyed by instance, client and a hash of the secret (a new secret, a new token).
  const tokens = new Map<string, CachedToken>();

  const hostOf = (url: string) => new URL(url).host;
  const cacheKey = (c: JamfCredentials) =>
    `${c.url}\n${c.clientId}\n${createHash('sha256').update(c.clientSecret).digest('hex')}`;

  /** One HTTP exchange: no redirects followed (a secret must not travel elsewhere), a bounded body, a timeout. */
  async function exchange(url: string, init: RequestInit): Promise<Answer> {
    const host = hostOf(url);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await doFetch(url, { ...init, redirect: 'manual', signal });
      return { status: response.status, headers: response.headers, body: await readBody(response, host) };
    } catch (err) {
      if (err instanceof JamfError) throw err;
      if (signal.aborted)
        throw new JamfError(
          'timeout',
          `${host} did not answer within ${Math.round(timeoutMs / 1000)} seconds.`,
        );
      throw new JamfError('unreachable', `Could not reach ${host}: ${networkReason(err)}.`);
    }
  }

  async function readBody(response: Response, host: string): Promise<string> {
    if (!response.body) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      // Leaving the loop by a throw cancels the stream.
      if (size > maxBodyBytes)
        throw new JamfError('not_jamf', `${host} does not answer like a Jamf Pro API (an answer over 1 MB).`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** An exchange tried again after 429 and 5xx, waiting as asked (Retry-After) or backing off (1 s, 2 s, 4 s…). */
  async function send(url: string, init: () => RequestInit): Promise<Answer> {
    const host = hostOf(url);
    for (let attempt = 1; ; attempt++) {
      const answer = await exchange(url, init());
      const busy = answer.status === 429;
      if (!busy && answer.status < 500) return answer;
      const asked = retryAfterMs(answer.headers.get('retry-after'), clock.now());
      const what = busy
        ? `Jamf Pro at ${host} is asking to slow down (429 Too Many Requests)`
        : `Jamf Pro at ${host} answered ${answer.status}`;
      const kind = busy ? 'rate_limited' : 'server_error';
      if (asked !== undefined && asked > maxRetryAfterMs)
        throw new JamfError(kind, `${what} and to wait ${Math.ceil(asked / 1000)} seconds.`);
      if (attempt >= maxAttempts)
        throw new JamfError(kind, attempt > 1 ? `${what}, ${attempt} times in a row.` : `${what}.`);
      await sleep(asked ?? 1000 * 2 ** (attempt - 1));
    }
  }

  async function fetchToken(credentials: JamfCredentials): Promise<string> {
    const host = hostOf(credentials.url);
    const answer = await send(`${credentials.url}${TOKEN_PATH}`, () => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      }),
    }));
    if (answer.status === 400 || answer.status === 401)
      throw new JamfError(
        'credentials',
        `Jamf Pro at ${host} refused this client ID and secret (${answer.status}): check the secret, and that the API client is enabled.`,
      );
    const parsed = answer.status === 200 ? TokenAnswer.safeParse(parseJson(answer.body)) : undefined;
    if (!parsed?.success) throw notJamf(host, answer, TOKEN_PATH);
    const expiresInMs = parsed.data.expires_in * 1000;
    // A short-lived token is renewed at half its life rather than not at all.
    const margin = Math.min(tokenMarginMs, expiresInMs / 2);
    tokens.set(cacheKey(credentials), {
      token: parsed.data.access_token,
      renewAt: clock.now().getTime() + expiresInMs - margin,
    });
    return parsed.data.access_token;
  }

  async function token(credentials: JamfCredentials): Promise<string> {
    const cached = tokens.get(cacheKey(credentials));
    if (cached && clock.now().getTime() < cached.renewAt) return cached.token;
    return fetchToken(credentials);
  }

  /** `totalCount` of a one-item page; a 401 is retried once with a new token, then it is the credentials. */
  async function count(
    credentials: JamfCredentials,
    path: string,
    filter: string,
    privilege: string,
  ): Promise<number> {
    const host = hostOf(credentials.url);
    const query = new URLSearchParams({ section: 'GENERAL', page: '0', 'page-size': '1', filter });
    const get = (bearer: string) =>
      send(`${credentials.url}${path}?${query}`, () => ({
        headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
      }));
    let answer = await get(await token(credentials));
    if (answer.status === 401) {
      tokens.delete(cacheKey(credentials));
      answer = await get(await fetchToken(credentials));
      if (answer.status === 401)
        throw new JamfError(
          'credentials',
          `Jamf Pro at ${host} refused the API client's access token twice (401): check the client secret.`,
        );
    }
    if (answer.status === 403)
      throw new JamfError(
        'privileges',
        `This API client may not read ${privilege} (403): give its API role the Read Computers and Read Mobile Devices privileges.`,
      );
    const parsed = answer.status === 200 ? CountAnswer.safeParse(parseJson(answer.body)) : undefined;
    if (!parsed?.success) throw notJamf(host, answer, path);
    return parsed.data.totalCount;
  }

  return {
    async managedCounts(credentials): Promise<ManagedDeviceCounts> {
      const computers = await count(credentials, COMPUTERS_PATH, MANAGED_COMPUTERS_FILTER, 'computers');
      const mobileDevices = await count(
        credentials,
        MOBILE_DEVICES_PATH,
        MANAGED_MOBILE_DEVICES_FILTER,
        'mobile devices',
      );
      return { computers, mobileDevices };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Why an answer is not a Jamf Pro API's, in words, without echoing its body. */
function notJamf(host: string, answer: Answer, path: string): JamfError {
  const detail =
    answer.status >= 300 && answer.status < 400
      ? `a redirect (${answer.status}) instead of an answer: give the instance's own address`
      : answer.status !== 200
        ? `${answer.status} on ${path}`
        : parseJson(answer.body) === undefined
          ? `an answer on ${path} that is not JSON`
          : `an answer on ${path} of another shape`;
  return new JamfError('not_jamf', `${host} does not answer like a Jamf Pro API (${detail}).`);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; undefined when absent. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month (`Sun, 06 Nov 1994 08:49:37 GMT`); Date.parse would read `-5` as a year.
  const at = /[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** What went wrong on the way, from undici's cause (ECONNREFUSED, ENOTFOUND, a certificate error…). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'the connection was refused',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the name could not be resolved',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'the host is unreachable',
    ETIMEDOUT: 'the connection timed out',
    UND_ERR_SOCKET: 'the connection closed',
  };
  if (code && known[code]) return known[code];
  if (code && /CERT|SSL|TLS/i.test(code)) return `its TLS certificate was not accepted (${code})`;
  return code ?? 'the request failed';
}
