import { z } from 'zod';
import { parsePersonRef } from '../domain/identity.js';
import {
  DEVICES,
  describeInput,
  MONTHS,
  parseAmount,
  parseWholeNumber,
  type WholeNumberRule,
} from '../domain/money.js';
import { PLAN_CODE } from '../domain/pricing.js';
import { checkPlainText, type PlainTextRule } from '../domain/text.js';
import { MAX_HISTORY } from './views.js';

/**
 * The words of a `/balance` command and the zod schemas that read each kind of argument. Every schema refuses with
 * a sentence a user can act on; the router adds the usage line.
 */

export const MAX_COMMAND_LENGTH = 1_000;

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(readonly problem: string) {
    super(problem);
  }
}

/** Splits on white space, keeping "quoted words" together (straight or curly quotes, as Slack clients send them). */
export function tokenize(text: string): string[] {
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new UsageError(
      `That is ${text.length.toLocaleString('en-US')} characters; a command takes at most ${MAX_COMMAND_LENGTH.toLocaleString('en-US')}.`,
    );
  }
  // Tabs and line breaks count as spaces; any other control character is refused.
  if (/(?![\t\n\r])\p{Cc}/u.test(text)) {
    throw new UsageError('The command holds control characters; type it as plain text.');
  }
  const tokens: string[] = [];
  for (const match of text.matchAll(/["“”]([^"“”]*)["“”]|(\S+)/g)) tokens.push((match[1] ?? match[2])!);
  return tokens;
}

/** Takes `--account <name>` (or `--account "two words"`) out of the words, wherever it stands. */
export function extractAccountOption(tokens: string[]): { tokens: string[]; account: string | undefined } {
  const at = tokens.findIndex((t) => t === '--account' || t.startsWith('--account='));
  if (at === -1) return { tokens, account: undefined };
  const inline = tokens[at]!.startsWith('--account=') ? tokens[at]!.slice('--account='.length) : undefined;
  const name = inline ?? tokens[at + 1];
  if (!name) throw new UsageError('`--account` needs the name of an account.');
  const rest = [...tokens.slice(0, at), ...tokens.slice(at + (inline === undefined ? 2 : 1))];
  return { tokens: rest, account: name };
}

/** A zod schema for a whole number within a rule's bounds, refusing with the rule's sentence. */
export function wholeNumber(rule: WholeNumberRule) {
  return z.string().transform((text, ctx) => {
    const parsed = parseWholeNumber(text, rule);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.value;
  });
}

export const devicesArg = wholeNumber(DEVICES);
export const monthsArg = wholeNumber(MONTHS);
export const historyCountArg = wholeNumber({ min: 1, max: MAX_HISTORY, what: 'the number of transfers' });

export const planArg = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => PLAN_CODE.test(s), {
    error: (issue) => `"${describeInput(String(issue.input))}" is not a plan name.`,
  });

export function amountArg(currency: string) {
  return z.string().transform((text, ctx) => {
    const parsed = parseAmount(text, currency);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.cents;
  });
}

/**
 * A person: `<@U123|name>` as Slack escapes a mention (should_escape), or a bare user id — a user of the installed
 * workspace, as a mention carries no team — or `T123:U456` for a user of another workspace (Slack Connect).
 */
export const personArg = z.string().transform((text, ctx) => {
  const mention = /^<@([UW][A-Z0-9]{2,})(\|[^>]*)?>$/.exec(text);
  const person = mention ? { userId: mention[1]! } : parsePersonRef(text);
  if (!person) {
    ctx.addIssue({
      code: 'custom',
      message: `"${describeInput(text)}" is not a person: mention them, like @alex.`,
    });
    return z.NEVER;
  }
  return person;
});

/** `<#C123|name>` as Slack escapes a channel, or a bare channel id. */
export const channelArg = z.string().transform((text, ctx) => {
  const match = /^<#([CG][A-Z0-9]{2,})(\|[^>]*)?>$/.exec(text) ?? /^([CG][A-Z0-9]{2,})$/.exec(text);
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `"${describeInput(text)}" is not a channel: mention it, like #billing.`,
    });
    return z.NEVER;
  }
  return match[1]!;
});

/** A low-balance threshold in months, one decimal at most (0.1–120): returned in tenths. */
export const thresholdArg = z.string().transform((text, ctx) => {
  const match = /^(\d{1,3})(?:\.(\d))?$/.exec(text.trim());
  const tenths = match ? Number(match[1]) * 10 + Number(match[2] ?? 0) : Number.NaN;
  if (!match || tenths < 1 || tenths > 1_200) {
    ctx.addIssue({
      code: 'custom',
      message: `the threshold is a number of months from 0.1 to 120, one decimal at most ("${describeInput(text)}" is not)`,
    });
    return z.NEVER;
  }
  return tenths;
});

/** Free text that names or explains something (a note, a reason, a customer), by the plain-text rule. */
export function plainText(text: string, rule: PlainTextRule): string {
  const checked = checkPlainText(text, rule);
  if (!checked.ok) throw new UsageError(checked.error);
  return checked.text;
}

/** Reads one argument with its schema, or throws a UsageError with the schema's message. */
export function read<T>(schema: z.ZodType<T, string>, token: string | undefined, missing: string): T {
  if (token === undefined) throw new UsageError(missing);
  const parsed = schema.safeParse(token);
  if (!parsed.success)
    throw new UsageError(capitalize(parsed.error.issues[0]?.message ?? 'that is not valid'));
  return parsed.data;
}

export function readOptional<T>(schema: z.ZodType<T, string>, token: string | undefined): T | undefined {
  return token === undefined ? undefined : read(schema, token, '');
}

export function noMoreArguments(tokens: string[], from: number): void {
  const extra = tokens.slice(from);
  if (extra.length > 0) throw new UsageError(`Unexpected "${describeInput(extra.join(' '))}".`);
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** JSON from a button value or a modal's private_metadata; undefined when it is not JSON (then zod refuses it). */
export function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
