import { describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  ConfigError,
  loadConfig,
  ownerIdentities,
  requireCodeSecret,
  secretsOf,
} from '../../src/config.js';
import { runCli } from '../support/cli.js';

type Env = Record<string, string>;

function configLines(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.lines;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has the defaults of the spec and runs in shell mode on embedded PGlite without Slack variables', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      database: { kind: 'pglite-dir', dir: '.data/pglite' },
      billingTimeZone: 'UTC',
      currency: 'USD',
      invoiceCron: '0 9 1 * *',
      alertCron: '0 9 * * *',
      deviceSyncCron: '0 * * * *',
      payments: { provider: 'sandbox' },
      slack: { mode: 'shell' },
      owners: [],
    });
  });

  it('picks HTTP with a bot token and signing secret, Socket Mode with an app token too', () => {
    const http = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'shh' };
    expect(loadConfig(http).slack.mode).toBe('http');
    expect(loadConfig({ ...http, SLACK_APP_TOKEN: 'xapp-1' }).slack.mode).toBe('socket');
  });

  it('reads DATABASE_URL, owners and the public URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'pglite://memory',
      BALANCE_OWNERS: 'U01, T0OTHER:U02',
      PUBLIC_URL: 'https://balance.example.com/',
    });
    expect(config.database).toEqual({ kind: 'pglite-memory' });
    // A bare user id is a user of the installed workspace (learned at start); a pair names its own workspace.
    expect(config.owners).toEqual([{ userId: 'U01' }, { teamId: 'T0OTHER', userId: 'U02' }]);
    expect(config.slack.teamId).toBeUndefined();
    expect(ownerIdentities({ ...config, slack: { ...config.slack, teamId: 'T0HOME' } })).toEqual([
      { teamId: 'T0HOME', userId: 'U01' },
      { teamId: 'T0OTHER', userId: 'U02' },
    ]);
    expect(loadConfig({ SLACK_TEAM_ID: 'T0HOME' }).slack.teamId).toBe('T0HOME');
    expect(config.publicUrl).toBe('https://balance.example.com');
  });

  it.each<[Env, string]>([
    [{ BILLING_TIMEZONE: 'Mars/Base' }, 'BILLING_TIMEZONE: "Mars/Base" is not an IANA time zone'],
    [{ CURRENCY: 'XYZ' }, 'CURRENCY: "XYZ" is not an ISO 4217 currency code'],
    [{ PORT: 'eighty' }, 'PORT: "eighty" is not a port number'],
    [{ PORT: '70000' }, 'PORT: "70000" is not a port number (0–65535)'],
    [
      { INVOICE_CRON: 'every day' },
      'INVOICE_CRON: "every day" is not a cron expression (5 or 6 fields, e.g. "0 9 1 * *")',
    ],
    [{ PAYMENTS_PROVIDER: 'paypal' }, 'PAYMENTS_PROVIDER: "paypal" must be "stripe" or "sandbox"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: "loud" must be debug, info, warn or error'],
    ...['alice', 'U01,T01:alice', 'T01:U01:U02', 'U01:T01', 't01:U01'].map((owners): [Env, string] => [
      { BALANCE_OWNERS: owners },
      `BALANCE_OWNERS: "${owners}" must be comma-separated Slack user ids (U…, of the installed workspace) or team:user pairs (T…:U…)`,
    ]),
    [{ SLACK_TEAM_ID: 'acme' }, 'SLACK_TEAM_ID: "acme" is not a team id (T…)'],
    [{ FINANCE_CHANNEL: '#finance' }, 'FINANCE_CHANNEL: "#finance" is not a channel id (C…)'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET: is required to connect to Slack'],
    [{ SLACK_BOT_TOKEN: 'nope', SLACK_SIGNING_SECRET: 's' }, 'SLACK_BOT_TOKEN: must start with xoxb-'],
    [{ PAYMENTS_PROVIDER: 'stripe' }, 'STRIPE_SECRET_KEY: is required when PAYMENTS_PROVIDER is stripe'],
    [
      { DATABASE_URL: 'mysql://x' },
      'DATABASE_URL: must be postgres://…, postgresql://… or pglite://memory (or unset for embedded PGlite in .data/pglite)',
    ],
    [{ CODE_SECRET: 'short' }, 'CODE_SECRET: must be at least 32 characters (e.g. `openssl rand -hex 32`)'],
    [{ SECRETS_KEY: 'short' }, 'SECRETS_KEY: must be at least 32 characters (e.g. `openssl rand -hex 32`)'],
    [
      { DEVICE_SYNC_CRON: 'hourly' },
      'DEVICE_SYNC_CRON: "hourly" is not a cron expression (5 or 6 fields, e.g. "0 9 1 * *")',
    ],
  ])('%o is refused with one clear line', (env, line) => {
    expect(configLines(env)).toContain(line);
  });

  it('reads SECRETS_KEY and DEVICE_SYNC_CRON; an empty value is unset', () => {
    const key = 'k'.repeat(40);
    expect(loadConfig({ SECRETS_KEY: key, DEVICE_SYNC_CRON: '*/15 * * * *' })).toMatchObject({
      secretsKey: key,
      deviceSyncCron: '*/15 * * * *',
    });
    const empty = loadConfig({ SECRETS_KEY: '', DEVICE_SYNC_CRON: ' ' });
    expect(empty.secretsKey).toBeUndefined();
    expect(empty.deviceSyncCron).toBe('0 * * * *');
    // It is masked in the logs like the other configured secrets, and a short one is named, never echoed.
    expect(secretsOf(loadConfig({ SECRETS_KEY: key }))).toContain(key);
    expect(configLines({ SECRETS_KEY: 'tiny-secret-value' }).join('\n')).not.toContain('tiny-secret-value');
  });

  it('asks for CODE_SECRET with PostgreSQL only where codes are hashed, not to read the configuration', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db/balance' });
    expect(config.codeSecret).toBeUndefined();
    expect(() => requireCodeSecret(config)).toThrow(
      new ConfigError(['CODE_SECRET: is required with a PostgreSQL DATABASE_URL']),
    );
    expect(requireCodeSecret(loadConfig({ DATABASE_URL: 'pglite://memory' }))).toBeUndefined();
  });

  it('takes a variable set to the empty string (or to spaces) as unset, for every variable', () => {
    expect(CONFIG_VARIABLES).toEqual(
      expect.arrayContaining(['PORT', 'DATABASE_URL', 'SLACK_TEAM_ID', 'LOG_LEVEL']),
    );
    for (const blank of ['', '  ']) {
      const env = Object.fromEntries(CONFIG_VARIABLES.map((variable) => [variable, blank]));
      expect(configLines(env)).toEqual([]);
      expect(loadConfig(env)).toEqual(loadConfig({}));
    }
    // One empty variable among set ones changes nothing else.
    const config = loadConfig({
      PORT: '',
      CURRENCY: 'EUR',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
    });
    expect(config).toMatchObject({ port: 3000, currency: 'EUR', slack: { mode: 'http' } });
  });

  it('names every bad variable, one line each, and never echoes a secret', () => {
    const lines = configLines({
      BILLING_TIMEZONE: 'Mars/Base',
      CURRENCY: 'usd',
      SLACK_BOT_TOKEN: 'xoxp-secret-token',
    });
    expect(lines).toHaveLength(4);
    expect(lines.join('\n')).not.toContain('xoxp-secret-token');
  });

  it('stops the command line with the line and a non-zero exit', async () => {
    const result = await runCli(['verify'], { BILLING_TIMEZONE: 'Mars/Base', CURRENCY: 'EURO' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'BILLING_TIMEZONE: "Mars/Base" is not an IANA time zone',
      'CURRENCY: "EURO" is not an ISO 4217 currency code',
    ]);
  });
});

describe('invoice documents and payment terms (SPEC §14, §17)', () => {
  it('reads INVOICE_ISSUER as a name and address lines, and an empty value as unset', () => {
    expect(
      loadConfig({ INVOICE_ISSUER: ' Acme Inc. | 1 Market St |  | San Francisco, CA ' }).invoiceIssuer,
    ).toEqual({
      name: 'Acme Inc.',
      addressLines: ['1 Market St', 'San Francisco, CA'],
    });
    expect(loadConfig({ INVOICE_ISSUER: 'Acme Inc.' }).invoiceIssuer).toEqual({
      name: 'Acme Inc.',
      addressLines: [],
    });
    expect(loadConfig({}).invoiceIssuer).toBeUndefined();
    expect(loadConfig({ INVOICE_ISSUER: '  ' }).invoiceIssuer).toBeUndefined();
  });

  it('has 7 days of payment terms unless PAYMENT_TERMS_DAYS says otherwise (0–365)', () => {
    expect(loadConfig({}).paymentTermsDays).toBe(7);
    expect(loadConfig({ PAYMENT_TERMS_DAYS: '' }).paymentTermsDays).toBe(7);
    expect(loadConfig({ PAYMENT_TERMS_DAYS: '0' }).paymentTermsDays).toBe(0);
    expect(loadConfig({ PAYMENT_TERMS_DAYS: ' 30 ' }).paymentTermsDays).toBe(30);
    expect(loadConfig({ PAYMENT_TERMS_DAYS: '365' }).paymentTermsDays).toBe(365);
  });

  it.each([
    [{ INVOICE_ISSUER: '| |' }, 'INVOICE_ISSUER: "| |" has no name (Name|Street|City)'],
    [
      { INVOICE_ISSUER: 'a|b|c|d|e|f|g' },
      'INVOICE_ISSUER: "a|b|c|d|e|f|g" has more than 6 parts (Name|Street|City)',
    ],
    [{ INVOICE_ISSUER: `Acme|${'x'.repeat(101)}` }, 'has a part longer than 100 characters'],
    [{ INVOICE_ISSUER: 'Acme\u202e|Street' }, 'must not contain control characters'],
    [{ PAYMENT_TERMS_DAYS: '366' }, 'PAYMENT_TERMS_DAYS: "366" is not a whole number of days from 0 to 365'],
    [{ PAYMENT_TERMS_DAYS: '-1' }, 'PAYMENT_TERMS_DAYS: "-1" is not a whole number of days from 0 to 365'],
    [{ PAYMENT_TERMS_DAYS: '1.5' }, 'PAYMENT_TERMS_DAYS: "1.5" is not a whole number of days from 0 to 365'],
    [
      { PAYMENT_TERMS_DAYS: 'week' },
      'PAYMENT_TERMS_DAYS: "week" is not a whole number of days from 0 to 365',
    ],
  ])('%o is refused with one clear line', (env, line) => {
    expect(configLines(env).join('\n')).toContain(line);
  });
});
