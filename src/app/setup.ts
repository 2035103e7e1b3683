import { installedTeam } from '../config.js';
import { GLOBAL_ROLES, type GlobalRole } from '../db/schema.js';
import { type Identity, resolvePerson, sameIdentity, uniqueIdentities } from '../domain/identity.js';
import { describeInput, formatMoney } from '../domain/money.js';
import { formatRunway } from '../domain/runway.js';
import {
  type Account,
  addAdmins,
  createAccount,
  findAccountByName,
  getPlan,
  linkChannel,
  removeAdmins,
  setAccountPlan,
  updateAccountSettings,
} from '../services/accounts.js';
import { grantRole, revokeRole } from '../services/roles.js';
import { setSetting } from '../services/settings.js';
import { resolveAccount } from './access.js';
import { notice, privately } from './answers.js';
import { balanceChanged } from './balance-changed.js';
import {
  channelArg,
  noMoreArguments,
  personArg,
  planArg,
  read,
  thresholdArg,
  UsageError,
} from './command-args.js';
import { publishHome, refreshHomes } from './home-tab.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf } from './view-mappers.js';
import type { NoticePart } from './views.js';

/** Owners' and finance's set-up subcommands: accounts, channels, admins, settings, roles (SPEC §4). */

const say = (ctx: CommandContext, ...parts: NoticePart[]): Reply[] =>
  privately(notice(formatOf(ctx.deps), ...parts));
const name = (account: Pick<Account, 'name'>): NoticePart => ({ strong: describeInput(account.name) });
const price = (ctx: CommandContext, cents: bigint) => formatMoney(cents, ctx.deps.config.currency);

/** `account create <name…> [<plan>]`: the last word is the plan when it names one. */
export async function accountCreate(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  if (args.length === 0) throw new UsageError('Name the account.');
  const last = args.at(-1)!.toLowerCase();
  const lastIsPlan = args.length > 1 && (await getPlan(ctx.deps.db, last)) !== undefined;
  const accountName = (lastIsPlan ? args.slice(0, -1) : args).join(' ');
  const planCode = lastIsPlan ? last : 'standard';
  const account = await createAccount(ctx.deps.db, {
    name: accountName,
    planCode,
    actor: ctx.actor.userId,
    at: ctx.now,
  });
  const plan = (await getPlan(ctx.deps.db, planCode))!;
  return say(
    ctx,
    'Created ',
    name(account),
    ` on ${plan.name} (${price(ctx, plan.priceCents)}/device/month).\nNext: `,
    { code: `/balance account link ${describeInput(account.name)}` },
    ' in its channel, and ',
    { code: `/balance account admins add @someone --account "${describeInput(account.name)}"` },
    '.',
  );
}

/** `account link [<name>]`: ties the current channel to the account. */
export async function accountLink(ctx: CommandContext, args: string[], named?: Account): Promise<Reply[]> {
  const channelId = ctx.actor.channelId;
  if (!channelId || channelId.startsWith('D'))
    throw new UsageError('Run `account link` in the channel to link.');
  const account =
    args.length > 0
      ? await findAccountByName(ctx.deps.db, args.join(' '))
      : (named ?? (await resolveAccount(ctx.deps.db, { roles: ctx.roles })));
  if (!account) throw new UsageError(`There is no account named "${describeInput(args.join(' '))}".`);
  await linkChannel(ctx.deps.db, channelId, account.id, ctx.actor.userId);
  refreshHomes(ctx.deps, account.id);
  return say(
    ctx,
    'Linked this channel to ',
    name(account),
    ': ',
    { code: '/balance' },
    ' here acts on it, and its billing messages come here.',
  );
}

/** `account plan <plan>`. */
export async function accountPlan(ctx: CommandContext, args: string[], account?: Account): Promise<Reply[]> {
  const code = read(planArg, args[0], 'Which plan?');
  noMoreArguments(args, 1);
  const plan = await setAccountPlan(ctx.deps.db, account!.id, code);
  balanceChanged(ctx.deps, account!.id); // the price, so the runway, moved
  return say(ctx, name(account!), ` is now on ${plan.name} (${price(ctx, plan.priceCents)}/device/month).`);
}

/** `account admins add|remove <@user…>`. */
export async function accountAdmins(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const [verb, ...mentions] = args;
  if (verb !== 'add' && verb !== 'remove')
    throw new UsageError('Say `add` or `remove`, then mention people.');
  if (mentions.length === 0) throw new UsageError('Mention the people to add or remove.');
  const named = uniqueIdentities(mentions.map((m) => person(ctx, m, '')));
  const changed =
    verb === 'add'
      ? await addAdmins(ctx.deps.db, account!.id, named, ctx.actor.userId)
      : await removeAdmins(ctx.deps.db, account!.id, named);
  // Removed admins no longer see the account; refreshHomes covers everyone who still does.
  if (verb === 'remove')
    for (const removed of changed)
      ctx.deps.background.run('home refresh', () => publishHome(ctx.deps, removed));
  refreshHomes(ctx.deps, account!.id);
  const people = (list: Identity[]) =>
    list.flatMap((p, i) => [...(i > 0 ? [', '] : []), ...mentionOf(ctx, p)]);
  const unchanged = named.filter((p) => !changed.some((c) => sameIdentity(c, p)));
  const done: NoticePart[] = changed.length
    ? [`${verb === 'add' ? 'Added' : 'Removed'} `, ...people(changed), ' as admins of ', name(account!), '.']
    : ['Nothing changed for ', name(account!), '.'];
  const note: NoticePart[] = unchanged.length
    ? [' (', ...people(unchanged), ` ${verb === 'add' ? 'already were' : 'were not'} admins.)`]
    : [];
  return say(ctx, ...done, ...note);
}

/** `config finance-channel <#channel>`. */
export async function configFinanceChannel(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const channelId = read(channelArg, args[0], 'Which channel? Mention it, like #finance.');
  noMoreArguments(args, 1);
  await setSetting(ctx.deps.db, 'finance_channel', channelId, ctx.actor.userId);
  return say(ctx, 'Invoice runs will be reported in ', { channel: channelId }, '.');
}

/** `config alert-channel <#channel>`. */
export async function configAlertChannel(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const channelId = read(channelArg, args[0], 'Which channel? Mention it, like #it-alerts.');
  noMoreArguments(args, 1);
  await updateAccountSettings(ctx.deps.db, account!.id, { alertChannelId: channelId });
  return say(ctx, 'Low-balance alerts for ', name(account!), ' will go to ', { channel: channelId }, '.');
}

/** `config alert-threshold <months>`. */
export async function configAlertThreshold(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const tenths = read(thresholdArg, args[0], 'How many months of runway should count as low?');
  noMoreArguments(args, 1);
  await updateAccountSettings(ctx.deps.db, account!.id, { alertThresholdTenths: tenths });
  balanceChanged(ctx.deps, account!.id); // what counts as low moved
  return say(ctx, name(account!), ` will count as low when its runway is below ${formatRunway(tenths)}.`);
}

/** `roles grant|revoke <@user> <sales|finance>`. */
export async function rolesCommand(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const [verb, mention, roleWord] = args;
  if (verb !== 'grant' && verb !== 'revoke') throw new UsageError('Say `grant` or `revoke`.');
  const who = person(ctx, mention, 'Mention the person.');
  const role = roleWord?.toLowerCase();
  if (!GLOBAL_ROLES.includes(role as GlobalRole)) throw new UsageError('The role is `sales` or `finance`.');
  noMoreArguments(args, 3);
  const changed =
    verb === 'grant'
      ? await grantRole(ctx.deps.db, who, role as GlobalRole, ctx.actor.userId)
      : await revokeRole(ctx.deps.db, who, role as GlobalRole);
  if (!changed)
    return say(
      ctx,
      ...mentionOf(ctx, who),
      ` ${verb === 'grant' ? 'already has' : 'does not have'} the ${role} role.`,
    );
  return say(
    ctx,
    `${verb === 'grant' ? 'Granted' : 'Revoked'} ${role} ${verb === 'grant' ? 'to' : 'from'} `,
    ...mentionOf(ctx, who),
    '.',
  );
}

/** A person named in a command: a mention or bare user id is a user of the installed workspace (SPEC §11). */
function person(ctx: CommandContext, token: string | undefined, missing: string): Identity {
  return resolvePerson(read(personArg, token, missing), installedTeam(ctx.deps.config));
}

/** `<@U…>`, and the workspace too when it is not the installed one, so an owner sees whom a grant names. */
function mentionOf(ctx: CommandContext, who: Identity): NoticePart[] {
  const elsewhere = who.teamId !== installedTeam(ctx.deps.config);
  return [{ user: who.userId }, ...(elsewhere ? [` (of workspace ${who.teamId})`] : [])];
}
