import { z } from 'zod';

/**
 * The rules of a Jamf Pro connection (SPEC §16), pure: what a valid instance URL, API client id and client secret
 * look like, and when a run of failed syncs is announced. Each refusal names the field it belongs to, with the ids
 * of the `jamf_connect` modal's inputs, so a door can answer on that field.
 */
export const JAMF_FIELDS = ['url', 'client_id', 'client_secret'] as const;
export type JamfField = (typeof JAMF_FIELDS)[number];

export interface JamfCredentials {
  /** The instance's origin, normalised: `https://acme.jamfcloud.com`, no trailing slash. */
  url: string;
  clientId: string;
  clientSecret: string;
}

export const JAMF_URL_MAX = 255;
/** Jamf Pro shows a 64-character secret; other lengths are allowed within reason, never whitespace or controls. */
export const CLIENT_SECRET_LENGTH = { min: 16, max: 512 } as const;

type Check = { ok: true; value: string } | { ok: false; message: string };
const refuse = (message: string): Check => ({ ok: false, message });

const EXAMPLE_URL = 'https://yourcompany.jamfcloud.com';
/** Printable ASCII without the space: the URL parser would silently drop tabs and newlines, so they are refused. */
const VISIBLE_ASCII = /^[\x21-\x7E]+$/;

/**
 * Plain http is accepted only for loopback address literals (tests and local trials): a name such as `localhost` may
 * resolve anywhere (DNS, /etc/hosts), an address literal cannot. The WHATWG parser has already normalised the
 * host (`127.1`, `0x7f.0.0.1` and `2130706433` all read as `127.0.0.1`).
 */
export function isLoopbackHost(hostname: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
}

/** Addresses no Jamf Pro server has: unspecified, link-local (cloud metadata services live there), multicast. */
function isUnusableHost(hostname: string): boolean {
  if (hostname === '0.0.0.0' || hostname === '[::]') return true;
  if (/^169\.254\./.test(hostname) || /^\[fe[89ab][0-9a-f]:/i.test(hostname)) return true;
  const first = /^(\d+)\.\d+\.\d+\.\d+$/.exec(hostname);
  return (first !== null && Number(first[1]) >= 224) || /^\[ff[0-9a-f]{2}:/i.test(hostname);
}

/** The instance URL as typed → its origin, or why not (credentials, path, query, port, scheme). */
export function parseJamfUrl(raw: string): Check {
  const text = raw.trim();
  if (text === '') return refuse(`Enter the address of your Jamf Pro, e.g. ${EXAMPLE_URL}`);
  if (text.length > JAMF_URL_MAX) return refuse(`The address is over ${JAMF_URL_MAX} characters.`);
  if (!VISIBLE_ASCII.test(text))
    return refuse(
      'The address must be plain text without spaces or control characters (an international name in its xn-- form).',
    );
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http')
    return refuse(`The address must start with https://, e.g. ${EXAMPLE_URL}`);
  // The WHATWG parser reads `\` as `/` in https URLs: it would hide a path or a user name, so it is refused.
  if (text.includes('\\')) return refuse('The address must not contain a backslash.');
  const rest = text.slice(scheme.length + 3);
  const authority = /^[^/?#]*/.exec(rest)![0];
  const tail = rest.slice(authority.length);
  if (authority.includes('@')) return refuse('The address must not contain a user name or password.');
  if (/[?#]/.test(tail)) return refuse('The address must not have a query (?…) or a fragment (#…).');
  if (tail !== '' && tail !== '/')
    return refuse(`The address must be the instance alone, without a path: e.g. ${EXAMPLE_URL}`);
  const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority)?.[1];
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535))
    return refuse('The port must be a number from 1 to 65535.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse(`That is not a valid address: e.g. ${EXAMPLE_URL}`);
  }
  if (url.hostname === '' || isUnusableHost(url.hostname))
    return refuse('That host cannot be a Jamf Pro server.');
  if (scheme === 'http' && !isLoopbackHost(url.hostname))
    return refuse(
      'The address must use https:// (plain http is accepted only for loopback addresses such as http://127.0.0.1:8080).',
    );
  return { ok: true, value: url.origin };
}

/** Jamf Pro API client ids are UUIDs (Settings › API Roles and Clients). Kept as typed, only trimmed. */
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseClientId(raw: string): Check {
  const text = raw.trim();
  if (text === '') return refuse('Enter the Client ID of your Jamf Pro API client.');
  if (!CLIENT_ID.test(text))
    return refuse(
      'The Client ID is a UUID such as 6cabf059-21c9-44d6-bbde-02898f7430dd (Jamf Pro: Settings › API Roles and Clients).',
    );
  return { ok: true, value: text };
}

export function parseClientSecret(raw: string): Check {
  const text = raw.trim();
  if (text === '') return refuse('Enter the client secret Jamf Pro showed when it was generated.');
  const { min, max } = CLIENT_SECRET_LENGTH;
  if (text.length < min || text.length > max || !VISIBLE_ASCII.test(text))
    return refuse(
      `The client secret is ${min}–${max} characters without spaces, as Jamf Pro showed it (usually 64).`,
    );
  return { ok: true, value: text };
}

const checked = (check: (raw: string) => Check) =>
  z.string({ error: 'Please fill in this field.' }).transform((raw, ctx) => {
    const result = check(raw);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });

/** The `jamf_connect` modal's values, keyed by its input ids. */
export const JamfConnectionInput = z.object({
  url: checked(parseJamfUrl),
  client_id: checked(parseClientId),
  client_secret: checked(parseClientSecret),
});

export type JamfFieldErrors = Partial<Record<JamfField, string>>;

/** Every field's first problem at once, so the modal can mark them all. */
export function parseJamfConnection(
  input: unknown,
): { ok: true; credentials: JamfCredentials } | { ok: false; errors: JamfFieldErrors } {
  const parsed = JamfConnectionInput.safeParse(input);
  if (parsed.success) {
    const { url, client_id, client_secret } = parsed.data;
    return { ok: true, credentials: { url, clientId: client_id, clientSecret: client_secret } };
  }
  const errors: JamfFieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = JAMF_FIELDS.find((f) => f === issue.path[0]);
    if (field) errors[field] ??= issue.message;
  }
  if (Object.keys(errors).length === 0) errors.url = 'Please fill in the form.';
  return { ok: false, errors };
}

/** Failed syncs in a row after which the billing channel is told; the next success tells it again. */
export const FAILURES_BEFORE_NOTICE = 3;

/** What a sync's outcome announces, given the failures in a row before it. */
export function syncNotice(failuresBefore: number, succeeded: boolean): 'failing' | 'recovered' | null {
  if (succeeded) return failuresBefore >= FAILURES_BEFORE_NOTICE ? 'recovered' : null;
  return failuresBefore + 1 === FAILURES_BEFORE_NOTICE ? 'failing' : null;
}
