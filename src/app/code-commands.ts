import { addDaysToDate, dayStart, isDate, localDate } from '../domain/billing-month.js';
import { codesCsv } from '../domain/csv.js';
import { describeInput } from '../domain/money.js';
import {
  type CodeFilter,
  codeForQuote,
  type IssuedCode,
  issueBalanceCodes,
  listCodes,
  MAX_CODES_PER_ISSUE,
  voidCode,
} from '../services/codes.js';
import { getQuote } from '../services/quotes.js';
import { allows, refusal } from './access.js';
import { notice, privately, refusalOf } from './answers.js';
import { amountArg, noMoreArguments, plainText, read, UsageError } from './command-args.js';
import { requestIdOf } from './request-id.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf } from './view-mappers.js';
import { MAX_CODE_LIST, type MessageModel, type NoticePart } from './views.js';

/** More codes than this go to the issuer as a CSV file instead of in the message (SPEC §4). */
export const CODES_IN_MESSAGE = 10;
const MAX_NOTE = 200;

const say = (ctx: CommandContext, ...parts: NoticePart[]): Reply[] =>
  privately(notice(formatOf(ctx.deps), ...parts));

/** `codes issue <amount> [x<count>] [expires <YYYY-MM-DD>] [<note…>]`. */
export async function codesIssue(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const { config } = ctx.deps;
  const amountCents = read(amountArg(config.currency), args[0], 'How much is each code worth?');
  let rest = args.slice(1);
  let count = 1;
  if (/^x\d/i.test(rest[0] ?? '')) {
    const times = /^x(\d{1,3})$/i.exec(rest[0]!);
    if (!times || Number(times[1]) < 1 || Number(times[1]) > MAX_CODES_PER_ISSUE) {
      throw new UsageError(
        `The count is x1 to x${MAX_CODES_PER_ISSUE} ("${describeInput(rest[0]!)}" is not).`,
      );
    }
    count = Number(times[1]);
    rest = rest.slice(1);
  }
  let expiresAt: Date | undefined;
  if (rest[0]?.toLowerCase() === 'expires') {
    const date = rest[1];
    if (!date || !isDate(date)) throw new UsageError('After `expires`, give a date like 2027-06-30.');
    if (date < localDate(ctx.now, config.billingTimeZone))
      throw new UsageError('That expiry date has passed.');
    // A code is good through its expiry date in the billing time zone.
    expiresAt = dayStart(addDaysToDate(date, 1), config.billingTimeZone);
    rest = rest.slice(2);
  }
  const note = rest.length === 0 ? undefined : plainText(rest.join(' '), { what: 'A note', max: MAX_NOTE });
  const issued = await issueBalanceCodes(ctx.deps.db, {
    amountCents,
    currency: config.currency,
    count,
    expiresAt,
    note,
    requestId: requestIdOf(ctx.actor),
    actor: ctx.actor.userId,
    now: ctx.now,
    secret: ctx.deps.codeSecret,
  });
  return [await issuedReply(ctx, issued, { amountCents, expiresAt, note, quoteNumber: null })];
}

/** The full codes, once, to the issuer: in the message, or as a CSV file in their DM when there are many. */
async function issuedReply(
  ctx: CommandContext,
  issued: IssuedCode[],
  input: {
    amountCents: bigint;
    expiresAt?: Date;
    note?: string;
    quoteNumber: string | null;
    threadTs?: string;
    channelId?: string;
  },
): Promise<Reply> {
  const format = formatOf(ctx.deps);
  let file: { name: string; where: string } | null = null;
  if (issued.length > CODES_IN_MESSAGE) {
    const name = `balance-codes-${localDate(ctx.now, format.timeZone)}-${issued[0]!.id}.csv`;
    const where = await ctx.deps.notifier.sendFile(ctx.actor.userId, {
      name,
      content: codesCsv(issued, input, format.currency),
    });
    file = { name, where };
  }
  const message: MessageModel = {
    kind: 'issued_codes',
    model: {
      format,
      amountCents: input.amountCents,
      codes: issued.map(({ code, last4 }) => ({ code, last4 })),
      expiresAt: input.expiresAt ?? null,
      note: input.note ?? null,
      file,
      quoteNumber: input.quoteNumber,
    },
  };
  return { kind: 'private', message, channelId: input.channelId, threadTs: input.threadTs };
}

/** `codes list [open|redeemed|void]`. */
export async function codesList(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const filter = args[0]?.toLowerCase();
  if (filter !== undefined && !['open', 'redeemed', 'void'].includes(filter)) {
    throw new UsageError('List `open`, `redeemed` or `void` codes, or all of them.');
  }
  noMoreArguments(args, 1);
  const rows = await listCodes(ctx.deps.db, {
    filter: filter as CodeFilter | undefined,
    now: ctx.now,
    limit: MAX_CODE_LIST,
  });
  const message: MessageModel = {
    kind: 'code_list',
    model: {
      format: formatOf(ctx.deps),
      filter: (filter as CodeFilter | undefined) ?? null,
      now: ctx.now,
      codes: rows.map(({ code, accountName }) => ({ ...code, accountName })),
    },
  };
  return [{ kind: 'private', message }];
}

/** `codes void <code or last 4>`. */
export async function codesVoid(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  if (args.length === 0) throw new UsageError('Which code? Give the full code or its last 4 characters.');
  const result = await voidCode(ctx.deps.db, {
    text: args.join(' '),
    actor: ctx.actor.userId,
    now: ctx.now,
    secret: ctx.deps.codeSecret,
  });
  if (result.ok) {
    return [
      {
        kind: 'private',
        message: {
          kind: 'voided',
          model: {
            last4: result.code.last4,
            amountCents: result.code.amountCents,
            format: formatOf(ctx.deps),
          },
        },
      },
    ];
  }
  if (result.reason === 'ambiguous') return say(ctx, 'Several open codes end that way: give the full code.');
  if (result.reason === 'not_open') return say(ctx, `That code is ${result.status} and cannot be voided.`);
  return say(ctx, 'No open code matches that.');
}

/** The **Issue code for this quote** button: one code of the quote's amount, answered in the quote's thread. */
export async function issueCodeForQuote(
  ctx: CommandContext,
  quoteId: number,
  where: { channelId: string; ts: string } | undefined,
): Promise<Reply[]> {
  if (!allows(['sales'], ctx.roles))
    return [{ kind: 'private', message: refusalOf(refusal('codes issue', ['sales'], ctx.roles)) }];
  const quote = await getQuote(ctx.deps.db, quoteId);
  if (!quote) return say(ctx, 'That quote no longer exists.');
  const existing = await codeForQuote(ctx.deps.db, quote.id);
  if (existing) return say(ctx, `A code was already issued for ${quote.number} (…${existing.last4}).`);
  const issued = await issueBalanceCodes(ctx.deps.db, {
    amountCents: quote.totalCents,
    currency: ctx.deps.config.currency,
    count: 1,
    quoteId: quote.id,
    note: `for ${quote.number}`,
    requestId: requestIdOf(ctx.actor),
    actor: ctx.actor.userId,
    now: ctx.now,
    secret: ctx.deps.codeSecret,
  });
  const thread =
    where ??
    (quote.channelId && quote.messageTs ? { channelId: quote.channelId, ts: quote.messageTs } : undefined);
  const format = formatOf(ctx.deps);
  const privateReply = await issuedReply(ctx, issued, {
    amountCents: quote.totalCents,
    quoteNumber: quote.number,
    channelId: thread?.channelId,
    threadTs: thread?.ts,
  });
  if (!thread) return [privateReply];
  const announcement: MessageModel = {
    kind: 'quote_code_thread',
    model: {
      format,
      quoteNumber: quote.number,
      last4: issued[0]!.last4,
      amountCents: quote.totalCents,
      by: ctx.actor.userId,
    },
  };
  return [
    privateReply,
    { kind: 'thread', channelId: thread.channelId, threadTs: thread.ts, message: announcement },
  ];
}
