import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';

/**
 * One structured logger for the app and Bolt: JSON lines on stderr (or a sink the caller gives, e.g. a file in shell
 * mode, or memory in tests). Every line passes through `redact`, so tokens, secrets and codes never reach a log.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_PATTERNS: RegExp[] = [
  /xox[abposr]-[0-9A-Za-z-]+/g, // Slack bot, user and refresh tokens
  /xapp-[0-9A-Za-z-]+/g, // Slack app-level tokens
  /\b(sk|rk|pk)_(live|test)_[0-9A-Za-z]+/g, // Stripe keys
  /\bwhsec_[0-9A-Za-z]+/g, // Stripe webhook secrets
  // Balance and license pack codes, as shown (BAL-…, LP-…) or typed leniently; a code may follow an escaped line
  // break (`\n`) inside a logged JSON body, so that counts as a boundary too.
  /(?:BAL|LP)[-\s_]*(?:[0-9A-Z][-\s_]*){16}[0-9A-Z]/gi,
  /(?<=^|[^0-9A-Za-z]|\\[nrt])(?:[0-9A-Za-z]{4}[-\s]){4}[0-9A-Za-z](?![0-9A-Za-z])/g,
  /(?<=^|[^0-9A-Za-z]|\\[nrt])(?=[0-9A-Za-z]*\d)(?=[0-9A-Za-z]*[A-Za-z])[0-9A-Za-z]{17}(?![0-9A-Za-z])/g,
  /\bbal_tok_[0-9A-Za-z]+/g, // device-count API tokens
];

const extraSecrets = new Set<string>();

/** Registers configured secrets (signing secret, CODE_SECRET…) so that their exact text is also masked. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 8) extraSecrets.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of extraSecrets) out = out.split(secret).join('[redacted]');
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

export type Sink = (line: string) => void;

/**
 * Appends log lines to a file (created with its folder). Written synchronously: the shell's logs are few, and the
 * last lines before `process.exit` (a shutdown's) must not be lost in a buffer.
 */
export function fileSink(path: string): Sink {
  mkdirSync(dirname(path), { recursive: true });
  return (line) => appendFileSync(path, `${line}\n`, { mode: 0o600 });
}

export interface Logger extends BoltLogger {
  child(name: string): Logger;
}

function render(part: unknown): string {
  if (part instanceof Error) return part.stack ?? `${part.name}: ${part.message}`;
  if (typeof part === 'string') return part;
  try {
    return JSON.stringify(part, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(part);
  }
}

export function createLogger(options: { level?: Level; sink?: Sink; name?: string } = {}): Logger {
  let level: Level = options.level ?? 'info';
  let name = options.name ?? 'balance';
  const sink: Sink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  const write = (at: Level, parts: unknown[]) => {
    if (ORDER[at] < ORDER[level]) return;
    const msg = redact(parts.map(render).join(' '));
    sink(JSON.stringify({ time: new Date().toISOString(), level: at, name, msg }));
  };
  return {
    debug: (...m: unknown[]) => write('debug', m),
    info: (...m: unknown[]) => write('info', m),
    warn: (...m: unknown[]) => write('warn', m),
    error: (...m: unknown[]) => write('error', m),
    setLevel: (l: LogLevel) => {
      level = l as Level;
    },
    getLevel: () => level as LogLevel,
    setName: (n: string) => {
      name = n;
    },
    child: (child: string) => createLogger({ level, sink, name: `${name}:${child}` }),
  };
}

export type { LogLevel };
