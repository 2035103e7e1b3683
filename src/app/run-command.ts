import { describeInput } from '../domain/money.js';
import { observeAnswer } from '../metrics.js';
import { StaleDirectory } from '../services/directory.js';
import { UserError } from '../services/errors.js';
import { allows, contextAccount, refusal, resolveAccount } from './access.js';
import { notice, privately, refusalOf } from './answers.js';
import { extractAccountOption, tokenize, UsageError } from './command-args.js';
import { findSubcommand, groupOf, SUBCOMMANDS, usageOf } from './subcommands.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf } from './view-mappers.js';
import type { MessageModel } from './views.js';

const usageError = (problem: string, usage: string): MessageModel => ({
  kind: 'usage_error',
  problem,
  usage,
});

/** `/balance <text>`: parse, check the role, find the account, run — or answer privately what was wrong. Its time to
 * answer, from `started` (a command run again on a fresh directory keeps its first start), goes to the
 * `balance_answer_duration_seconds` histogram, by subcommand: once per answer. */
export async function runCommand(
  ctx: CommandContext,
  text: string,
  started = performance.now(),
): Promise<Reply[]> {
  const timing = { subcommand: 'unknown' };
  let runsAgain = false;
  try {
    const replies = await routeCommand(ctx, text, timing);
    await ctx.directory?.verify(); // what is answered stood on the directory as it is now
    return replies;
  } catch (err) {
    runsAgain = err instanceof StaleDirectory; // the caller runs it again, and that run is the answer timed
    throw err;
  } finally {
    if (!runsAgain) observeAnswer(timing.subcommand, (performance.now() - started) / 1000);
  }
}

async function routeCommand(
  ctx: CommandContext,
  text: string,
  timing: { subcommand: string },
): Promise<Reply[]> {
  let usage = '/balance help';
  try {
    const { tokens, account: named } = extractAccountOption(tokenize(text.trim()));
    if (tokens.length === 0 || tokens[0]!.toLowerCase() === 'help') {
      timing.subcommand = 'help';
      return help(ctx);
    }
    const found = findSubcommand(tokens);
    if (!found) return unknown(tokens);
    const { sub, args } = found;
    usage = usageOf(sub);
    const command = sub.words.join(' ');
    timing.subcommand = command;
    const lookup = {
      named,
      channelId: ctx.actor.channelId,
      roles: ctx.roles,
      channelAccount: ctx.channelAccount,
    };
    if (!allows(sub.access, ctx.roles)) {
      // Name the account in the refusal when the channel or --account says which one is meant.
      const meant =
        sub.account === 'none' ? undefined : await resolveAccount(ctx.deps.db, lookup).catch(() => undefined);
      return privately(refusalOf(refusal(command, asRoles(sub.access), ctx.roles, meant)));
    }
    const account =
      sub.account === 'required'
        ? await resolveAccount(ctx.deps.db, lookup)
        : sub.account === 'optional'
          ? await contextAccount(ctx.deps.db, lookup)
          : undefined;
    if (sub.account === 'required' && !allows(sub.access, ctx.roles, account)) {
      return privately(refusalOf(refusal(command, asRoles(sub.access), ctx.roles, account)));
    }
    if (!sub.confirmsDirectory) await ctx.directory?.verify(); // before anything is written
    return await sub.run(ctx, args, account);
  } catch (err) {
    if (err instanceof UsageError) return privately(usageError(err.problem, usage));
    if (err instanceof UserError) return refused(ctx, err);
    throw err;
  }
}

/** A service's refusal (a limit, a replay, a conflict…), answered privately in its own words. */
export function refused(ctx: CommandContext, err: UserError): Reply[] {
  return privately(notice(formatOf(ctx.deps), err.message));
}

function asRoles(access: (typeof SUBCOMMANDS)[number]['access']) {
  return access === 'anyone' ? [] : access;
}

function help(ctx: CommandContext): Reply[] {
  const commands = SUBCOMMANDS.filter((s) => allows(s.access, ctx.roles)).map((s) => ({
    usage: usageOf(s),
    description: s.description,
  }));
  return privately({
    kind: 'help',
    model: { commands: [{ usage: '/balance help', description: 'this list' }, ...commands] },
  });
}

function unknown(tokens: string[]): Reply[] {
  const group = groupOf(tokens[0]);
  if (group.length > 0) {
    return privately(
      usageError(
        `\`/balance ${describeInput(tokens[0]!)}\` needs one of: ${group.map((s) => `\`${s.words[1]}\``).join(', ')}.`,
        group.map(usageOf).join('\n'),
      ),
    );
  }
  return privately(usageError(`I don’t know \`/balance ${describeInput(tokens[0]!)}\`.`, '/balance help'));
}
