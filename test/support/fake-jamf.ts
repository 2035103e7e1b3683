import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A stand-in for a Jamf Pro instance on 127.0.0.1, answering the endpoints Balance calls with the shapes Jamf
 * documents (see src/services/jamf/client.ts for the sources):
 * - `POST /api/oauth/token` (form `grant_type=client_credentials`, `client_id`, `client_secret`) →
 *   `{access_token, scope, token_type: "Bearer", expires_in}`; a wrong client → 401 `{"error": "invalid_client"}`
 *   (RFC 6749 §5.2); another grant → 400 `{"error": "unsupported_grant_type"}`.
 * - `GET /api/v1/computers-inventory` and `GET /api/v2/mobile-devices/detail` with `page`, `page-size`, `section`
 *   and an RSQL `filter` on `general.remoteManagement.managed` / `managed` → `{totalCount, results}`, the results
 *   of the page with only the asked sections filled (the others null); 401 `{"httpStatus": 401, "errors": []}`
 *   without a valid token, 400 `INVALID_RSQL_FILTER_FIELD` for a filter on another field.
 * Faults can be queued per endpoint (a status with Retry-After, a hang, malformed JSON, a redirect), tokens expired,
 * and every request is recorded.
 */
export type Endpoint = 'token' | 'computers' | 'mobile';
export type Fault =
  | { status: 401 | 403 | 404 | 429 | 500 | 502 | 503; retryAfter?: string }
  | { hang: true }
  | { malformed: true }
  | { redirect: string }
  | { oversized: true };

export interface RecordedRequest {
  endpoint: Endpoint | 'other';
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  form: Record<string, string> | undefined;
  /** What the fake answered (0 for a hang). */
  status: number;
}

export interface Fleet {
  managedComputers: number;
  unmanagedComputers: number;
  managedMobileDevices: number;
  unmanagedMobileDevices: number;
}

export interface FakeJamf {
  /** `http://127.0.0.1:<port>`, the instance URL. */
  url: string;
  clientId: string;
  clientSecret: string;
  requests: RecordedRequest[];
  fleet: Fleet;
  /** Seconds a new token lives (Jamf Pro: 599 by default). */
  tokenSeconds: number;
  /** Every answer waits this long (ms), so that concurrent callers overlap. */
  delayMs: number;
  /** Applies `fault` to the next `times` requests to `endpoint`. */
  fail(endpoint: Endpoint, fault: Fault, times?: number): void;
  /** Every token issued so far is refused from now on (as if they had expired). */
  expireTokens(): void;
  /** Requests to an endpoint, in order. */
  calls(endpoint: Endpoint): RecordedRequest[];
  close(): Promise<void>;
}

const COMPUTERS_PATH = '/api/v1/computers-inventory';
const MOBILE_PATH = '/api/v2/mobile-devices/detail';
// biome-ignore format: a list
const COMPUTER_SECTIONS = [
  'GENERAL', 'DISK_ENCRYPTION', 'PURCHASING', 'APPLICATIONS', 'STORAGE', 'USER_AND_LOCATION',
  'CONFIGURATION_PROFILES', 'PRINTERS', 'SERVICES', 'HARDWARE', 'LOCAL_USER_ACCOUNTS', 'CERTIFICATES',
  'ATTACHMENTS', 'PLUGINS', 'PACKAGE_RECEIPTS', 'FONTS', 'SECURITY', 'OPERATING_SYSTEM', 'LICENSED_SOFTWARE',
  'IBEACONS', 'SOFTWARE_UPDATES', 'EXTENSION_ATTRIBUTES', 'CONTENT_CACHING', 'GROUP_MEMBERSHIPS',
];
// biome-ignore format: a list
const MOBILE_SECTIONS = [
  'GENERAL', 'HARDWARE', 'USER_AND_LOCATION', 'PURCHASING', 'SECURITY', 'APPLICATIONS', 'EBOOKS', 'NETWORK',
  'SERVICE_SUBSCRIPTIONS', 'CERTIFICATES', 'PROFILES', 'USER_PROFILES', 'PROVISIONING_PROFILES', 'SHARED_USERS',
  'EXTENSION_ATTRIBUTES',
];

/** `USER_AND_LOCATION` → `userAndLocation`. */
const camel = (section: string) =>
  section.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function apiError(status: number, code?: string, description?: string) {
  return { httpStatus: status, errors: code ? [{ code, field: null, description, id: '0' }] : [] };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => resolve(raw));
    req.on('error', reject);
  });
}

export async function startFakeJamf(
  options: {
    fleet?: Partial<Fleet>;
    clientId?: string;
    clientSecret?: string;
    now?: () => number;
    /** Default: any free port. */
    port?: number;
  } = {},
): Promise<FakeJamf> {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const faults: Record<Endpoint, Array<{ fault: Fault; times: number }>> = {
    token: [],
    computers: [],
    mobile: [],
  };
  const requests: RecordedRequest[] = [];
  const fake = {
    url: '',
    clientId: options.clientId ?? randomUUID(),
    clientSecret: options.clientSecret ?? randomBytes(48).toString('base64url'),
    requests,
    fleet: {
      managedComputers: 0,
      unmanagedComputers: 0,
      managedMobileDevices: 0,
      unmanagedMobileDevices: 0,
      ...options.fleet,
    },
    tokenSeconds: 599,
    delayMs: 0,
  };

  const nextFault = (endpoint: Endpoint): Fault | undefined => {
    const queue = faults[endpoint];
    const head = queue[0];
    if (!head) return undefined;
    if (--head.times <= 0) queue.shift();
    return head.fault;
  };

  /** Answers a fault; returns the status answered, 0 for a hang (no answer at all). */
  const answerFault = (res: ServerResponse, fault: Fault): number => {
    if ('hang' in fault) return 0;
    if ('malformed' in fault) {
      send(res, 200, '{"totalCount": 12, "results": [{"id": "1", "general": ');
      return 200;
    }
    if ('oversized' in fault) {
      send(res, 200, JSON.stringify({ totalCount: 1, results: [{ padding: 'x'.repeat(2 * 1024 * 1024) }] }));
      return 200;
    }
    if ('redirect' in fault) {
      res.writeHead(302, { location: fault.redirect });
      res.end();
      return 302;
    }
    const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
    send(res, fault.status, apiError(fault.status), headers);
    return fault.status;
  };

  const issueToken = (res: ServerResponse, form: Record<string, string>, contentType: string): number => {
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      send(res, 400, { error: 'invalid_request' });
      return 400;
    }
    if (form.grant_type !== 'client_credentials') {
      send(res, 400, { error: 'unsupported_grant_type' });
      return 400;
    }
    if (form.client_id !== fake.clientId || form.client_secret !== fake.clientSecret) {
      send(res, 401, { error: 'invalid_client' });
      return 401;
    }
    const token = `eyJhbGciOiJIUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    tokens.set(token, now() + fake.tokenSeconds * 1000);
    send(res, 200, {
      access_token: token,
      scope: 'api-role:2',
      token_type: 'Bearer',
      expires_in: fake.tokenSeconds,
    });
    return 200;
  };

  const authorized = (authorization: string | undefined) => {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const expiry = token ? tokens.get(token) : undefined;
    return expiry !== undefined && now() < expiry;
  };

  const inventory = (res: ServerResponse, query: URLSearchParams, kind: 'computers' | 'mobile'): number => {
    const pageSize = Number(query.get('page-size') ?? 100);
    const page = Number(query.get('page') ?? 0);
    const sections = query.getAll('section').flatMap((s) => s.split(','));
    const known = kind === 'computers' ? COMPUTER_SECTIONS : MOBILE_SECTIONS;
    if (
      !Number.isInteger(pageSize) ||
      pageSize < 1 ||
      pageSize > 2000 ||
      !Number.isInteger(page) ||
      page < 0
    ) {
      send(res, 400, apiError(400, 'INVALID_FIELD', 'page and page-size must be whole numbers'));
      return 400;
    }
    if (sections.some((s) => !known.includes(s))) {
      send(res, 400, apiError(400, 'INVALID_FIELD', 'unknown section'));
      return 400;
    }
    const field = kind === 'computers' ? 'general.remoteManagement.managed' : 'managed';
    const filter = query.get('filter') ?? '';
    const match = new RegExp(`^${field.replaceAll('.', '\\.')}==(true|false)$`).exec(filter);
    if (filter !== '' && !match) {
      send(res, 400, apiError(400, 'INVALID_RSQL_FILTER_FIELD', `${filter} is not a supported filter`));
      return 400;
    }
    const { fleet } = fake;
    const [managed, unmanaged] =
      kind === 'computers'
        ? [fleet.managedComputers, fleet.unmanagedComputers]
        : [fleet.managedMobileDevices, fleet.unmanagedMobileDevices];
    const devices = [
      ...Array.from({ length: managed }, () => true),
      ...Array.from({ length: unmanaged }, () => false),
    ]
      .map((isManaged, i) => ({ id: String(i + 1), managed: isManaged }))
      .filter((d) => !match || String(d.managed) === match[1]);
    const shown = sections.length > 0 ? sections : ['GENERAL'];
    const results = devices.slice(page * pageSize, (page + 1) * pageSize).map((d) => {
      const record: Record<string, unknown> = Object.fromEntries(known.map((s) => [camel(s), null]));
      const general =
        kind === 'computers'
          ? {
              name: `Mac-${d.id}`,
              platform: 'Mac',
              remoteManagement: { managed: d.managed, managementUsername: 'jamf' },
            }
          : { displayName: `iPad-${d.id}`, managed: d.managed, supervised: d.managed };
      if (shown.includes('GENERAL')) record.general = general;
      return kind === 'computers'
        ? { id: d.id, udid: randomUUID(), ...record }
        : { mobileDeviceId: d.id, deviceType: 'iOS', ...record };
    });
    send(res, 200, { totalCount: devices.length, results });
    return 200;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const endpoint: Endpoint | 'other' =
      url.pathname === '/api/oauth/token'
        ? 'token'
        : url.pathname === COMPUTERS_PATH
          ? 'computers'
          : url.pathname === MOBILE_PATH
            ? 'mobile'
            : 'other';
    const contentType = req.headers['content-type'] ?? '';
    const form = endpoint === 'token' ? Object.fromEntries(new URLSearchParams(body)) : undefined;
    const record: RecordedRequest = {
      endpoint,
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      form,
      status: 0,
    };
    requests.push(record);
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    const fault = endpoint === 'other' ? undefined : nextFault(endpoint);
    const expected = endpoint === 'token' ? 'POST' : 'GET';
    if (fault) record.status = answerFault(res, fault);
    else if (endpoint === 'other') {
      send(res, 404, apiError(404));
      record.status = 404;
    } else if (req.method !== expected) {
      send(res, 405, apiError(405));
      record.status = 405;
    } else if (endpoint === 'token') record.status = issueToken(res, form ?? {}, contentType);
    else if (!authorized(req.headers.authorization)) {
      send(res, 401, apiError(401));
      record.status = 401;
    } else record.status = inventory(res, url.searchParams, endpoint);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, apiError(500, 'INTERNAL_SERVER_ERROR', 'fake failed'));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  fake.url = `http://127.0.0.1:${port}`;

  return Object.assign(fake, {
    fail(endpoint: Endpoint, fault: Fault, times = 1) {
      faults[endpoint].push({ fault, times });
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    calls(endpoint: Endpoint) {
      return requests.filter((r) => r.endpoint === endpoint);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
