import { type Account, getPlan } from '../services/accounts.js';
import { type RedeemResult, redeemCode } from '../services/codes.js';
import { allows, refusal } from './access.js';
import { notice } from './answers.js';
import { balanceChanged } from './balance-changed.js';
import { REDEEM_INPUT } from './ids.js';
import { modalMetadata, readModalMetadata } from './modal-values.js';
import type { CommandContext, Reply, SubmitResult, ViewValues } from './types.js';
import { formatOf } from './view-mappers.js';
import type { MessageModel, NoticeModel, NoticePart, RedeemedModel } from './views.js';

/** `redeem [<code>]`: redeems at once, or opens the Redeem modal. */
export async function redeemCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  if (args.length === 0) return [openRedeemModal(ctx, account!)];
  const result = await redeem(ctx, account!, args.join(' '));
  if (!result.ok) {
    const { format, parts } = await failureNotice(ctx, result);
    return [{ kind: 'private', message: notice(format, ...parts) }];
  }
  return [
    { kind: 'private', message: { kind: 'redeemed', model: await redeemedModel(ctx, account!, result) } },
  ];
}

export function openRedeemModal(ctx: CommandContext, account: Account): Reply {
  const privateMetadata = modalMetadata(ctx.actor.channelId, account);
  return {
    kind: 'open_modal',
    view: { kind: 'redeem_modal', model: { accountName: account.name, privateMetadata } },
  };
}

/** Submit of the Redeem modal: an invalid code shows on the `code` field and the modal stays open. */
export async function submitRedeemModal(
  ctx: CommandContext,
  view: { privateMetadata: string; values: ViewValues },
): Promise<SubmitResult> {
  const { channelId, account } = await readModalMetadata(ctx, view.privateMetadata);
  if (!account || !allows(['admin'], ctx.roles, account)) {
    return {
      kind: 'errors',
      errors: { [REDEEM_INPUT]: refusal('redeem', ['admin'], ctx.roles, account).replaceAll('`', '') },
    };
  }
  const text = view.values[REDEEM_INPUT]?.[REDEEM_INPUT]?.value ?? '';
  const result = await redeem(ctx, account, text);
  if (!result.ok) return { kind: 'errors', errors: { [REDEEM_INPUT]: await failureNotice(ctx, result) } };
  const message: MessageModel = { kind: 'redeemed', model: await redeemedModel(ctx, account, result) };
  return { kind: 'close', replies: [{ kind: 'private', channelId, message }] };
}

/** Redeems, then tells the billing channel and republishes Home tabs (in the background). */
async function redeem(ctx: CommandContext, account: Account, text: string): Promise<RedeemResult> {
  const { deps } = ctx;
  const result = await redeemCode(deps.db, {
    text,
    accountId: account.id,
    actor: ctx.actor.userId,
    now: ctx.now,
    secret: deps.codeSecret,
    timeZone: deps.config.billingTimeZone,
    financeChannel: deps.config.financeChannel,
  });
  if (result.ok) {
    const model = await redeemedModel(ctx, account, result);
    if (account.billingChannelId) {
      const channel = account.billingChannelId;
      deps.background.run('redemption notice', () =>
        deps.notifier.postMessage(
          channel,
          { kind: 'redemption_notice', model: model },
          `redeem-notice:${result.code.id}`,
        ),
      );
    }
    balanceChanged(deps, account.id);
  }
  return result;
}

async function redeemedModel(
  ctx: CommandContext,
  account: Account,
  result: Extract<RedeemResult, { ok: true }>,
): Promise<RedeemedModel> {
  const base = {
    format: formatOf(ctx.deps),
    accountName: account.name,
    by: ctx.actor.userId,
    last4: result.code.last4,
  };
  if (result.kind === 'balance') {
    return {
      ...base,
      kind: 'balance',
      amountCents: result.amountCents,
      balanceCents: result.balanceCents,
      settlement: { format: base.format, ...result.settlement },
    };
  }
  const { pack } = result;
  return {
    ...base,
    kind: 'license_pack',
    devices: pack.devices,
    months: result.code.months!,
    startMonth: pack.startMonth,
    endMonth: pack.endMonth,
  };
}

/** Why a redemption failed: one notice, for a message or a modal field (each door writes dates and people). */
async function failureNotice(
  ctx: CommandContext,
  result: Extract<RedeemResult, { ok: false }>,
): Promise<NoticeModel> {
  return { format: formatOf(ctx.deps), parts: await failureParts(ctx, result) };
}

async function failureParts(
  ctx: CommandContext,
  result: Extract<RedeemResult, { ok: false }>,
): Promise<NoticePart[]> {
  switch (result.reason) {
    case 'malformed':
      return ['That doesn’t look like a code. Codes look like BAL-XXXX-XXXX-XXXX-XXXX-X.'];
    case 'mistyped':
      return ['That code looks mistyped: check each character and try again.'];
    case 'invalid':
      return ['This code is not valid.'];
    case 'locked':
      return [
        'Too many attempts failed. Redeeming is locked until ',
        { date: result.until, style: 'date_time' },
        '.',
      ];
    case 'already_redeemed_here':
      return [
        'This code was already redeemed for this account on ',
        { date: result.redeemedAt, style: 'date_short_pretty' },
        ' by ',
        { user: result.redeemedBy },
        '.',
      ];
    case 'wrong_plan':
      return [
        `This license pack is for the ${await planName(ctx, result.packPlan)} plan, but the account is on ${await planName(ctx, result.accountPlan)}. Ask an owner to change the plan first.`,
      ];
  }
}

async function planName(ctx: CommandContext, code: string): Promise<string> {
  return (await getPlan(ctx.deps.db, code))?.name ?? code;
}
