import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FAILURES_BEFORE_NOTICE,
  isLoopbackHost,
  parseClientId,
  parseClientSecret,
  parseJamfConnection,
  parseJamfUrl,
  syncNotice,
} from '../../src/domain/jamf.js';

const SECRET = 'dzmsPks-FwXpks80jhQGZZrAV3H2_ER0NAk91RE-xOBZvfghd98EM1hF9msfkanl';
const CLIENT_ID = '6cabf059-21c9-44d6-bbde-02898f7430dd';

describe('parseJamfUrl', () => {
  it.each([
    ['https://acme.jamfcloud.com', 'https://acme.jamfcloud.com'],
    ['https://acme.jamfcloud.com/', 'https://acme.jamfcloud.com'],
    ['  https://ACME.jamfcloud.com  ', 'https://acme.jamfcloud.com'],
    ['HTTPS://acme.jamfcloud.com', 'https://acme.jamfcloud.com'],
    ['https://jamf.example.org:8443', 'https://jamf.example.org:8443'],
    ['https://jamf.example.org:443/', 'https://jamf.example.org'],
    ['https://10.1.2.3:8443', 'https://10.1.2.3:8443'],
    ['https://localhost:8443', 'https://localhost:8443'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.255.0.9', 'http://127.255.0.9'],
    ['http://127.1:9000', 'http://127.0.0.1:9000'],
    ['http://[::1]:9000/', 'http://[::1]:9000'],
  ])('accepts %j as %s', (raw, origin) => {
    expect(parseJamfUrl(raw)).toEqual({ ok: true, value: origin });
  });

  it.each([
    ['', /Enter the address/],
    ['   ', /Enter the address/],
    ['acme.jamfcloud.com', /must start with https:\/\//],
    ['ftp://acme.jamfcloud.com', /must start with https:\/\//],
    ['javascript:alert(1)', /must start with https:\/\//],
    ['http://acme.jamfcloud.com', /must use https:\/\//],
    ['http://localhost:8080', /must use https:\/\//],
    ['http://10.0.0.1', /must use https:\/\//],
    ['http://[::ffff:127.0.0.1]', /must use https:\/\//],
    ['https://admin:pw@acme.jamfcloud.com', /user name or password/],
    ['https://admin@acme.jamfcloud.com', /user name or password/],
    ['https://acme.jamfcloud.com@evil.example', /user name or password/],
    ['https://evil.example\\@acme.jamfcloud.com', /backslash/],
    ['https://acme.jamfcloud.com\\api', /backslash/],
    ['https://acme.jamfcloud.com/api', /without a path/],
    ['https://acme.jamfcloud.com//', /without a path/],
    ['https://acme.jamfcloud.com/index.html', /without a path/],
    ['https://acme.jamfcloud.com?x=1', /query/],
    ['https://acme.jamfcloud.com/?x=1', /query/],
    ['https://acme.jamfcloud.com#top', /fragment/],
    ['https://acme.jamfcloud.com:0', /port/],
    ['https://acme.jamfcloud.com:65536', /port/],
    ['https://acme.jamfcloud.com:99999999', /port/],
    ['https://acme.jamfcloud.com:-1', /port/],
    ['https://acme.jamfcloud.com:', /port/],
    ['https://acme.jamfcloud.com:84a3', /port/],
    ['https://[::1]:70000', /port/],
    ['https://acme jamfcloud.com', /spaces or control/],
    ['https://acme.jamfcloud.com\u0000', /spaces or control/],
    ['https://acme.jamf\tcloud.com', /spaces or control/],
    ['https://acme.jamf\ncloud.com', /spaces or control/],
    ['https://аcme.jamfcloud.com', /spaces or control/], // a Cyrillic а
    ['https://acme.jamfcloud.com\u202e', /spaces or control/],
    ['https://', /not a valid address/],
    ['https://[::1', /port|not a valid address/],
    ['https://exa%mple.com', /not a valid address/],
    ['https://0.0.0.0', /cannot be a Jamf Pro/],
    ['https://169.254.169.254', /cannot be a Jamf Pro/],
    ['https://[fe80::1]', /cannot be a Jamf Pro/],
    ['https://239.1.2.3', /cannot be a Jamf Pro/],
    [`https://${'a'.repeat(250)}.com`, /over 255/],
  ])('refuses %j', (raw, why) => {
    const result = parseJamfUrl(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(why);
  });

  it('never accepts what is not an https origin or a loopback http origin, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (raw) => {
        const result = parseJamfUrl(raw);
        if (!result.ok) return;
        const url = new URL(result.value);
        expect(url.origin).toBe(result.value);
        expect(url.username + url.password + url.search + url.hash).toBe('');
        if (url.protocol === 'http:') expect(isLoopbackHost(url.hostname)).toBe(true);
        else expect(url.protocol).toBe('https:');
      }),
    );
  });
});

describe('client id and secret', () => {
  it.each([CLIENT_ID, CLIENT_ID.toUpperCase(), ` ${CLIENT_ID} `])('accepts the client id %j', (raw) => {
    expect(parseClientId(raw)).toEqual({ ok: true, value: raw.trim() });
  });

  it.each([
    '',
    'admin',
    '6cabf059-21c9-44d6-bbde-02898f7430d',
    '6cabf059-21c9-44d6-bbde-02898f7430ddd',
    '6cabf05921c944d6bbde02898f7430dd',
    '6cabf059-21c9-44d6-bbde-02898f7430dg',
    `${CLIENT_ID}\u0000`,
    `${CLIENT_ID}\n`.repeat(2),
    "6cabf059-21c9-44d6-bbde-02898f7430dd' or '1'='1",
  ])('refuses the client id %j', (raw) => {
    expect(parseClientId(raw).ok).toBe(false);
  });

  it.each([SECRET, 'a'.repeat(16), `${'x'.repeat(511)}!`, `  ${SECRET}\n`])('accepts a secret', (raw) => {
    expect(parseClientSecret(raw)).toEqual({ ok: true, value: raw.trim() });
  });

  it.each([
    '',
    'short',
    'a'.repeat(15),
    'a'.repeat(513),
    `${SECRET.slice(0, 30)} ${SECRET.slice(30)}`,
    `${SECRET}\u0000`,
    `${SECRET.slice(0, 40)}\u0007${SECRET.slice(40)}`,
    `${SECRET}é`,
  ])('refuses the secret %#', (raw) => {
    const result = parseClientSecret(raw);
    expect(result.ok).toBe(false);
    // A refusal never repeats the secret back.
    if (!result.ok && raw.length > 8) expect(result.message).not.toContain(raw.trim());
  });
});

describe('parseJamfConnection', () => {
  it('returns the credentials, normalised', () => {
    expect(
      parseJamfConnection({
        url: 'https://ACME.jamfcloud.com/',
        client_id: CLIENT_ID,
        client_secret: ` ${SECRET} `,
      }),
    ).toEqual({
      ok: true,
      credentials: { url: 'https://acme.jamfcloud.com', clientId: CLIENT_ID, clientSecret: SECRET },
    });
  });

  it('names every wrong field at once, with its own message', () => {
    const result = parseJamfConnection({
      url: 'http://acme.jamfcloud.com',
      client_id: 'x',
      client_secret: 'y',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['client_id', 'client_secret', 'url']);
    expect(result.errors.url).toMatch(/https/);
  });

  it.each([null, undefined, 'text', 42, [], { url: null, client_id: 1, client_secret: {} }])(
    'refuses %j without throwing',
    (input) => {
      const result = parseJamfConnection(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(Object.values(result.errors).length).toBeGreaterThan(0);
    },
  );
});

describe('syncNotice', () => {
  it('announces the third failure in a row once, and the success after it', () => {
    const notices: Array<string | null> = [];
    let failures = 0;
    for (const succeeded of [false, false, false, false, false, true, false, true]) {
      notices.push(syncNotice(failures, succeeded));
      failures = succeeded ? 0 : failures + 1;
    }
    expect(notices).toEqual([null, null, 'failing', null, null, 'recovered', null, null]);
    expect(FAILURES_BEFORE_NOTICE).toBe(3);
  });
});
