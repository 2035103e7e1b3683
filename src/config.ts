import cron from 'node-cron';
import { z } from 'zod';
import {
  type Identity,
  type PersonRef,
  parsePersonRef,
  resolvePerson,
  TEAM_ID,
  USER_ID,
} from './domain/identity.js';
import { DEFAULT_REMINDER_DAYS, PAYMENT_TERMS } from './domain/receivables.js';

/**
 * The environment of SPEC §1, parsed once at start. A bad value stops the start with one line per variable,
 * naming the variable and what is wrong with it (secrets are never echoed).
 */

const SECRET_VARIABLES = new Set([
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'CODE_SECRET',
  'SECRETS_KEY',
  'DATABASE_URL',
]);

// Empty variables never reach the schema (setVariables): an optional one is either absent or holds text.
const optionalText = z.string().trim().optional();

const slackChannelId = /^[CGD][A-Z0-9]{2,}$/;

export function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return Intl.supportedValuesOf('currency').includes(code);
}

const cronExpression = z
  .string()
  .trim()
  .refine((v) => cron.validate(v), 'is not a cron expression (5 or 6 fields, e.g. "0 9 1 * *")');

const port = z
  .string()
  .trim()
  .regex(/^\d{1,5}$/, 'is not a port number')
  .transform(Number)
  .refine((n) => n >= 0 && n <= 65_535, 'is not a port number (0–65535)');

/** Distinct whole days after issue, 1–365, comma-separated; an empty value is unset (the default, 3 and 7). */
const reminderDays = optionalText
  .transform((v) => (v ?? DEFAULT_REMINDER_DAYS.join(',')).split(',').map((d) => d.trim()))
  .refine(
    (days) => days.every((d) => /^\d{1,3}$/.test(d) && Number(d) >= 1 && Number(d) <= 365),
    'must be comma-separated whole days after issue, 1–365 (e.g. "3,7")',
  )
  .refine((days) => new Set(days.map(Number)).size === days.length, 'names a day twice')
  .transform((days) => days.map(Number).sort((a, b) => a - b));

const databaseUrl = optionalText.refine(
  (v) => v === undefined || /^(postgres|postgresql):\/\/./.test(v) || /^pglite:\/\/./.test(v),
  'must be postgres://…, postgresql://… or pglite://memory (or unset for embedded PGlite in .data/pglite)',
);

/** `INVOICE_ISSUER` (SPEC §17): `Name|Street|City`, at most this many parts of at most this many characters. */
const ISSUER_LIMITS = { parts: 6, chars: 100 } as const;
// Controls, invisible format characters and line separators would print as nothing or break the layout.
const ISSUER_FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The issuer printed on invoice documents: the name, then the address lines. Empty parts are dropped. */
function issuerParts(value: string): string[] {
  return value
    .split('|')
    .map((part) => part.trim())
    .filter(Boolean);
}

const invoiceIssuer = optionalText
  .refine((v) => v === undefined || !ISSUER_FORBIDDEN.test(v), 'must not contain control characters')
  .refine((v) => v === undefined || issuerParts(v).length > 0, 'has no name (Name|Street|City)')
  .refine(
    (v) => v === undefined || issuerParts(v).length <= ISSUER_LIMITS.parts,
    `has more than ${ISSUER_LIMITS.parts} parts (Name|Street|City)`,
  )
  .refine(
    (v) => v === undefined || issuerParts(v).every((part) => part.length <= ISSUER_LIMITS.chars),
    `has a part longer than ${ISSUER_LIMITS.chars} characters`,
  )
  .transform((v) => {
    const [name, ...addressLines] = v === undefined ? [] : issuerParts(v);
    return name === undefined ? undefined : { name, addressLines };
  });

const paymentTermsDays = optionalText
  .refine(
    (v) => v === undefined || (/^\d{1,3}$/.test(v) && Number(v) <= PAYMENT_TERMS.max),
    `is not a whole number of days from ${PAYMENT_TERMS.min} to ${PAYMENT_TERMS.max}`,
  )
  .transform((v) => (v === undefined ? PAYMENT_TERMS.default : Number(v)));

const EnvSchema = z
  .object({
    SLACK_BOT_TOKEN: optionalText.refine(
      (v) => v === undefined || v.startsWith('xoxb-'),
      'must start with xoxb-',
    ),
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText.refine(
      (v) => v === undefined || v.startsWith('xapp-'),
      'must start with xapp-',
    ),
    SLACK_API_URL: optionalText.refine((v) => v === undefined || URL.canParse(v), 'is not a URL'),
    SLACK_BOT_ID: optionalText.refine(
      (v) => v === undefined || /^B[A-Z0-9]{2,}$/.test(v),
      'is not a bot id (B…)',
    ),
    SLACK_BOT_USER_ID: optionalText.refine(
      (v) => v === undefined || USER_ID.test(v),
      'is not a user id (U…)',
    ),
    SLACK_TEAM_ID: optionalText.refine((v) => v === undefined || TEAM_ID.test(v), 'is not a team id (T…)'),
    PORT: port.default(3000),
    METRICS_PORT: port.optional(),
    PUBLIC_URL: optionalText.refine((v) => v === undefined || URL.canParse(v), 'is not a URL'),
    DATABASE_URL: databaseUrl,
    BALANCE_OWNERS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .refine(
        (entries) => entries.every((entry) => parsePersonRef(entry) !== undefined),
        'must be comma-separated Slack user ids (U…, of the installed workspace) or team:user pairs (T…:U…)',
      )
      .transform((entries) => entries.map((entry) => parsePersonRef(entry)!)),
    FINANCE_CHANNEL: optionalText.refine(
      (v) => v === undefined || slackChannelId.test(v),
      'is not a channel id (C…)',
    ),
    BILLING_TIMEZONE: z
      .string()
      .trim()
      .default('UTC')
      .refine(isIanaTimeZone, { error: (issue) => `"${String(issue.input)}" is not an IANA time zone` }),
    CURRENCY: z
      .string()
      .trim()
      .default('USD')
      .refine(isCurrencyCode, {
        error: (issue) => `"${String(issue.input)}" is not an ISO 4217 currency code`,
      }),
    INVOICE_CRON: cronExpression.default('0 9 1 * *'),
    INVOICE_ISSUER: invoiceIssuer,
    PAYMENT_TERMS_DAYS: paymentTermsDays,
    ALERT_CRON: cronExpression.default('0 9 * * *'),
    DUNNING_REMINDER_DAYS: reminderDays,
    PAYMENTS_PROVIDER: z
      .enum(['stripe', 'sandbox'], { error: 'must be "stripe" or "sandbox"' })
      .default('sandbox'),
    STRIPE_SECRET_KEY: optionalText,
    STRIPE_WEBHOOK_SECRET: optionalText,
    STRIPE_API_URL: optionalText.refine(
      (v) => v === undefined || (URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)),
      'is not an http(s) URL',
    ),
    CODE_SECRET: optionalText.refine(
      (v) => v === undefined || v.length >= 32,
      'must be at least 32 characters (e.g. `openssl rand -hex 32`)',
    ),
    SECRETS_KEY: optionalText.refine(
      (v) => v === undefined || v.length >= 32,
      'must be at least 32 characters (e.g. `openssl rand -hex 32`)',
    ),
    DEVICE_SYNC_CRON: optionalText.pipe(cronExpression.default('0 * * * *')),
    LOG_LEVEL: z
      .enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' })
      .default('info'),
  })
  .superRefine((env, ctx) => {
    const need = (variable: keyof typeof env, why: string) => {
      if (!env[variable]) ctx.addIssue({ code: 'custom', path: [variable], message: `is required ${why}` });
    };
    if (env.SLACK_BOT_TOKEN || env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) {
      need('SLACK_BOT_TOKEN', 'to connect to Slack');
      need('SLACK_SIGNING_SECRET', 'to connect to Slack');
    }
    if (env.PAYMENTS_PROVIDER === 'stripe') {
      need('STRIPE_SECRET_KEY', 'when PAYMENTS_PROVIDER is stripe');
      need('STRIPE_WEBHOOK_SECRET', 'when PAYMENTS_PROVIDER is stripe');
    }
  });

/** The variables of SPEC §1 that the app reads. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

/** The environment without its empty variables: `PORT=` (or only spaces) means unset, as if it were not there. */
export function setVariables(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => (entry[1] ?? '').trim() !== ''),
  );
}

export type SlackMode = 'http' | 'socket' | 'shell';

export interface Config {
  slack: {
    mode: SlackMode;
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
    botId?: string;
    botUserId?: string;
    /** The workspace the app is installed in: SLACK_TEAM_ID, else learned from auth.test when the app starts. */
    teamId?: string;
  };
  port: number;
  /** METRICS_PORT: `GET /metrics` on a port of its own, without a token; unset: on `port`, with an API token. */
  metricsPort?: number;
  publicUrl: string;
  /** True when PUBLIC_URL was not given: it follows the port the app really listens on (PORT=0 picks one). */
  publicUrlFromPort: boolean;
  database:
    | { kind: 'pglite-dir'; dir: string }
    | { kind: 'pglite-memory' }
    | { kind: 'postgres'; url: string };
  /** BALANCE_OWNERS; a bare user id stands for a user of the installed workspace. */
  owners: PersonRef[];
  financeChannel?: string;
  billingTimeZone: string;
  currency: string;
  invoiceCron: string;
  /** Who issues the invoices (SPEC §17); unset: the documents carry no issuer block. */
  invoiceIssuer?: { name: string; addressLines: string[] };
  /** Days from an invoice's issue date to its due date (SPEC §14). */
  paymentTermsDays: number;
  alertCron: string;
  payments:
    | { provider: 'sandbox' }
    | {
        provider: 'stripe';
        secretKey: string;
        webhookSecret: string;
        /** Where Stripe's API is reached, when not api.stripe.com (a local fake in tests). */
        apiUrl?: string;
      };
  /** Days after issue an outstanding invoice is reminded of, ascending. */
  dunningReminderDays: number[];
  codeSecret?: string;
  /** Key of connector secrets at rest (SPEC §16); when unset it is generated for PGlite, required for PostgreSQL. */
  secretsKey?: string;
  deviceSyncCron: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

export const DEFAULT_PGLITE_DIR = '.data/pglite';

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const variable = String(issue.path[0] ?? 'environment');
  const raw = env[variable];
  // zod's messages of our own refinements already read as a sentence about the value.
  if (raw === undefined || SECRET_VARIABLES.has(variable) || issue.message.startsWith('"')) {
    return `${variable}: ${issue.message}`;
  }
  return `${variable}: "${raw.slice(0, 80)}" ${issue.message}`;
}

/** Parses the environment; throws a ConfigError with one line per bad variable. */
export function loadConfig(raw: Record<string, string | undefined> = process.env): Config {
  const env = setVariables(raw);
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => describeIssue(issue, env));
    throw new ConfigError([...new Set(lines)]);
  }
  const e = parsed.data;
  const mode: SlackMode = !e.SLACK_BOT_TOKEN ? 'shell' : e.SLACK_APP_TOKEN ? 'socket' : 'http';
  return {
    slack: {
      mode,
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      botId: e.SLACK_BOT_ID,
      botUserId: e.SLACK_BOT_USER_ID,
      teamId: e.SLACK_TEAM_ID,
    },
    port: e.PORT,
    ...(e.METRICS_PORT === undefined ? {} : { metricsPort: e.METRICS_PORT }),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    publicUrlFromPort: e.PUBLIC_URL === undefined,
    database: parseDatabaseUrl(e.DATABASE_URL),
    owners: e.BALANCE_OWNERS,
    financeChannel: e.FINANCE_CHANNEL,
    billingTimeZone: e.BILLING_TIMEZONE,
    currency: e.CURRENCY,
    invoiceCron: e.INVOICE_CRON,
    invoiceIssuer: e.INVOICE_ISSUER,
    paymentTermsDays: e.PAYMENT_TERMS_DAYS,
    alertCron: e.ALERT_CRON,
    dunningReminderDays: e.DUNNING_REMINDER_DAYS,
    payments:
      e.PAYMENTS_PROVIDER === 'stripe'
        ? {
            provider: 'stripe',
            secretKey: e.STRIPE_SECRET_KEY!,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET!,
            ...(e.STRIPE_API_URL ? { apiUrl: e.STRIPE_API_URL } : {}),
          }
        : { provider: 'sandbox' },
    codeSecret: e.CODE_SECRET,
    secretsKey: e.SECRETS_KEY,
    deviceSyncCron: e.DEVICE_SYNC_CRON,
    logLevel: e.LOG_LEVEL,
  };
}

function parseDatabaseUrl(url: string | undefined): Config['database'] {
  if (url === undefined) return { kind: 'pglite-dir', dir: DEFAULT_PGLITE_DIR };
  if (url === 'pglite://memory') return { kind: 'pglite-memory' };
  if (url.startsWith('pglite://')) return { kind: 'pglite-dir', dir: url.slice('pglite://'.length) };
  return { kind: 'postgres', url };
}

/** The key for hashing codes, where it is needed (the app, the jobs, importing codes): CODE_SECRET is required with
 * PostgreSQL, whose replicas must share it; `migrate`, `verify` and exports never hash a code and run without it. */
export function requireCodeSecret(config: Config): string | undefined {
  if (config.codeSecret === undefined && config.database.kind === 'postgres') {
    throw new ConfigError(['CODE_SECRET: is required with a PostgreSQL DATABASE_URL']);
  }
  return config.codeSecret;
}

/** The workspace the app is installed in; known once the app has started (SLACK_TEAM_ID, auth.test, the shell). */
export function installedTeam(config: Config): string {
  if (!config.slack.teamId) throw new Error('the installed Slack workspace is not known yet');
  return config.slack.teamId;
}

/** The owners as (team, user) pairs: a bare user id in BALANCE_OWNERS is a user of the installed workspace. */
export function ownerIdentities(config: Config): Identity[] {
  return config.owners.map((owner) => resolvePerson(owner, installedTeam(config)));
}

/** The configured secrets, so the logger can mask their exact text wherever it appears. */
export function secretsOf(config: Config): string[] {
  const { slack, payments } = config;
  const stripe = payments.provider === 'stripe' ? [payments.secretKey, payments.webhookSecret] : [];
  const keys = [config.codeSecret, config.secretsKey];
  return [slack.botToken, slack.signingSecret, slack.appToken, ...keys, ...stripe].filter(
    (s): s is string => s !== undefined,
  );
}
