import { describeInput } from '../domain/money.js';
import { estimate } from '../domain/pricing.js';
import { requirePlan } from '../services/accounts.js';
import { createQuote, setQuoteMessage } from '../services/quotes.js';
import { allows } from './access.js';
import { devicesArg, monthsArg, plainText, planArg, read, UsageError } from './command-args.js';
import { requestIdOf } from './request-id.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf } from './view-mappers.js';
import type { MessageModel } from './views.js';

const MAX_CUSTOMER = 200;

/** `quote <devices> <months> [<plan>] [for <customer…>]`: stored, then posted in the channel for everyone. */
export async function quoteCommand(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const forAt = args.findIndex((a) => a.toLowerCase() === 'for');
  const figures = forAt === -1 ? args : args.slice(0, forAt);
  const customer =
    forAt === -1
      ? undefined
      : args
          .slice(forAt + 1)
          .join(' ')
          .trim();
  const devices = read(devicesArg, figures[0], 'How many devices?');
  const months = read(monthsArg, figures[1], 'For how many months?');
  const planCode = figures[2] === undefined ? 'standard' : read(planArg, figures[2], '');
  if (figures.length > 3) throw new UsageError(`Unexpected "${describeInput(figures.slice(3).join(' '))}".`);
  if (customer === '') throw new UsageError('After `for`, name the customer.');
  const named =
    customer === undefined ? undefined : plainText(customer, { what: 'The customer', max: MAX_CUSTOMER });
  await requirePlan(ctx.deps.db, planCode);
  return postQuote(ctx, { devices, months, planCode, customer: named });
}

/** Stores a quote and returns the channel post (shared by the command and the estimate's Share as quote button). */
export async function postQuote(
  ctx: CommandContext,
  input: { devices: number; months: number; planCode: string; customer?: string },
): Promise<Reply[]> {
  const { db, config } = ctx.deps;
  const quote = await createQuote(db, {
    ...input,
    channelId: ctx.actor.channelId,
    requestId: requestIdOf(ctx.actor),
    actor: ctx.actor.userId,
    now: ctx.now,
    timeZone: config.billingTimeZone,
    currency: config.currency,
  });
  const plan = await requirePlan(db, quote.planCode);
  const message: MessageModel = {
    kind: 'quote',
    model: {
      format: formatOf(ctx.deps),
      quoteId: quote.id,
      number: quote.number,
      customer: quote.customer,
      plan,
      estimate: estimate(quote.devices, quote.months, quote.unitPriceCents),
      validUntil: quote.validUntil,
      createdBy: quote.createdBy,
      canIssueCode: allows(['sales'], ctx.roles),
    },
  };
  return [
    {
      kind: 'channel',
      message,
      onPosted: ({ channelId, ts }) => setQuoteMessage(db, quote.id, channelId, ts),
    },
  ];
}
