import { describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  ConfigError,
  loadConfig,
  ownerIdentities,
  requireCodeSecret,
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
  ])('%o is refused with one clear line', (env, line) => {
    expect(configLines(env)).toContain(line);
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
