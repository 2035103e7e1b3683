import { describeInput, formatMoney, groupDigits, parseAmount } from '../domain/money.js';
import { estimate } from '../domain/pricing.js';
import { type Account, getAccount, requirePlan } from '../services/accounts.js';
import { readingAt } from '../services/devices.js';
import { UserError } from '../services/errors.js';
import { requireWithinLimits } from '../services/limits.js';
import {
  type Confirmation,
  confirmPayment,
  isPaymentId,
  type ProviderReport,
  RefundExceedsBalanceError,
  RefundRefusedError,
  RefundTooLargeError,
  refundPayment,
  startPayment,
} from '../services/payments/payments.js';
import { allows, refusal } from './access.js';
import { notice, privately, refusalOf } from './answers.js';
import { balanceChanged } from './balance-changed.js';
import {
  amountArg,
  capitalize,
  devicesArg,
  monthsArg,
  noMoreArguments,
  read,
  UsageError,
} from './command-args.js';
import { RELOAD_INPUT, SAVE_CARD_OPTION } from './ids.js';
import {
  inputText,
  isChecked,
  modalMetadata,
  monthsChoiceOf,
  monthsOf,
  readDuration,
  readModalMetadata,
  selectedValue,
  validateDuration,
} from './modal-values.js';
import type { CommandContext, Deps, Reply, SubmitResult, ViewValues } from './types.js';
import { formatOf, payStepModel } from './view-mappers.js';
import type { MessageModel, ModalModel, NoticePart } from './views.js';

interface Draft {
  mode: 'devices' | 'amount';
  saveCard: boolean;
  devices: number | null;
  monthsChoice: string | null;
  customMonths: number | null;
  amountText: string | null;
}

/** `reload [<amount> | <devices> <months>]`: the Reload modal, pre-filled. */
export async function reloadCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const { currency } = ctx.deps.config;
  if (args.length === 1) {
    read(amountArg(currency), args[0], '');
    return [await openReloadModal(ctx, account!, { mode: 'amount', amountText: args[0]! })];
  }
  if (args.length >= 2) {
    const devices = read(devicesArg, args[0], '');
    const months = read(monthsArg, args[1], '');
    noMoreArguments(args, 2);
    // Refused here already, privately, rather than in a modal that could never be paid.
    const { amountCents, description } = await reloadFor(ctx, account!, devices, months);
    requireWithinLimits(amountCents, currency, `A reload of ${description}`);
    return [await openReloadModal(ctx, account!, { mode: 'devices', devices, months })];
  }
  return [await openReloadModal(ctx, account!, { mode: 'devices' })];
}

/** Opens the Reload modal for an account; devices default to its current count, the duration to 12 months. */
export async function openReloadModal(
  ctx: CommandContext,
  account: Account,
  prefill: { mode: 'devices' | 'amount'; devices?: number; months?: number; amountText?: string },
): Promise<Reply> {
  if (!allows(['admin'], ctx.roles, account)) {
    return { kind: 'private', message: refusalOf(refusal('reload', ['admin'], ctx.roles, account)) };
  }
  const current = prefill.devices ?? (await readingAt(ctx.deps.db, account.id, ctx.now))?.count ?? null;
  const draft: Draft = {
    mode: prefill.mode,
    saveCard: false,
    devices: current,
    ...monthsChoiceOf(prefill.months ?? 12),
    amountText: prefill.amountText ?? null,
  };
  const privateMetadata = modalMetadata(ctx.actor.channelId, account);
  return { kind: 'open_modal', view: await renderModal(ctx, account, draft, privateMetadata) };
}

function readDraft(values: ViewValues): Draft {
  return {
    mode: selectedValue(values, RELOAD_INPUT.mode) === 'amount' ? 'amount' : 'devices',
    saveCard: isChecked(values, RELOAD_INPUT.saveCard, SAVE_CARD_OPTION),
    ...readDuration(values),
    amountText: inputText(values, RELOAD_INPUT.amount) || null,
  };
}

/** The total a draft makes, computed here from the plan's price, never taken from the client. */
async function totalOf(ctx: CommandContext, account: Account, draft: Draft): Promise<bigint | null> {
  if (draft.mode === 'amount') {
    const parsed = parseAmount(draft.amountText ?? '', ctx.deps.config.currency);
    return parsed.ok ? parsed.cents : null;
  }
  const months = monthsOf(draft);
  if (draft.devices === null || months === null) return null;
  const plan = await requirePlan(ctx.deps.db, account.planCode);
  return estimate(draft.devices, months, plan.priceCents).totalCents;
}

async function renderModal(
  ctx: CommandContext,
  account: Account,
  draft: Draft,
  privateMetadata: string,
): Promise<ModalModel> {
  const plan = await requirePlan(ctx.deps.db, account.planCode);
  return {
    kind: 'reload_modal',
    model: {
      format: formatOf(ctx.deps),
      accountName: account.name,
      plan,
      ...draft,
      totalCents: await totalOf(ctx, account, draft),
      privateMetadata,
    },
  };
}

/** The account the modal is for, if the user may still reload it. */
async function accountOf(ctx: CommandContext, privateMetadata: string) {
  const { account } = await readModalMetadata(ctx, privateMetadata);
  return account && allows(['admin'], ctx.roles, account) ? { account } : undefined;
}

/** A keystroke or choice in the modal: re-render it with the running total. */
export async function updateReloadModal(
  ctx: CommandContext,
  view: { id: string; hash?: string; privateMetadata: string; values: ViewValues },
): Promise<Reply[]> {
  const found = await accountOf(ctx, view.privateMetadata);
  if (!found) return [];
  const modal = await renderModal(ctx, found.account, readDraft(view.values), view.privateMetadata);
  return [{ kind: 'update_modal', viewId: view.id, hash: view.hash, view: modal }];
}

/** What a reload of devices × months costs on the account's plan, and its description. */
async function reloadFor(ctx: CommandContext, account: Account, devices: number, months: number) {
  const plan = await requirePlan(ctx.deps.db, account.planCode);
  return {
    amountCents: estimate(devices, months, plan.priceCents).totalCents,
    description: `${groupDigits(devices)} devices × ${months} months on ${plan.name}`,
  };
}

/**
 * Continue to payment: field errors keep the modal open; otherwise a pending payment is recorded (once per view)
 * and the modal becomes the "Pay $X" step with the provider's checkout link.
 */
export async function submitReloadModal(
  ctx: CommandContext,
  view: { id: string; privateMetadata: string; values: ViewValues },
): Promise<SubmitResult> {
  const found = await accountOf(ctx, view.privateMetadata);
  if (!found)
    return { kind: 'errors', errors: { [RELOAD_INPUT.mode]: 'Only an admin of the account can reload it.' } };
  const { account } = found;
  const draft = readDraft(view.values);
  let amountCents: bigint;
  let description: string | null = null;
  if (draft.mode === 'amount') {
    const parsed = parseAmount(draft.amountText ?? '', ctx.deps.config.currency);
    if (!parsed.ok) return { kind: 'errors', errors: { [RELOAD_INPUT.amount]: capitalize(parsed.error) } };
    amountCents = parsed.cents;
  } else {
    const duration = validateDuration(view.values);
    if (!duration.ok) return { kind: 'errors', errors: duration.errors };
    ({ amountCents, description } = await reloadFor(ctx, account, duration.devices, duration.months));
  }
  try {
    const payment = await startPayment(ctx.deps.db, ctx.deps.payments, {
      accountId: account.id,
      currency: ctx.deps.config.currency,
      accountName: account.name,
      amountCents,
      description,
      viewId: view.id,
      requestedBy: ctx.actor.userId,
      now: ctx.now,
      saveCard: draft.saveCard,
    });
    const step: ModalModel = { kind: 'pay_step', model: payStepModel(ctx.deps, account.name, payment) };
    return { kind: 'update', view: step };
  } catch (err) {
    const field = draft.mode === 'amount' ? RELOAD_INPUT.amount : RELOAD_INPUT.devices;
    if (err instanceof UserError) return { kind: 'errors', errors: { [field]: err.message } };
    ctx.deps.logger.error('could not start a payment', err);
    return {
      kind: 'errors',
      errors: { [field]: 'The payment provider did not answer. Try again in a moment.' },
    };
  }
}

/**
 * The one path by which a payment is confirmed, for the Stripe webhook and the sandbox page alike: credit once, then
 * tell the payer and the billing channel and republish the Home tabs.
 */
export async function completePayment(
  deps: Deps,
  paymentId: string,
  input: { actor: string; providerPaymentRef?: string | null; report: ProviderReport },
): Promise<Confirmation> {
  const confirmation = await confirmPayment(deps.db, paymentId, {
    ...input,
    now: deps.clock.now(),
    timeZone: deps.config.billingTimeZone,
    financeChannel: deps.config.financeChannel,
  });
  if (confirmation.kind === 'credited') await announceCredit(deps, confirmation);
  return confirmation;
}

/**
 * After a payment was credited (a checkout or an auto-reload): the payer hears of it by DM, the billing channel by
 * a notice, and the Home tabs and the low-balance state follow.
 */
export async function announceCredit(
  deps: Deps,
  confirmation: Extract<Confirmation, { kind: 'credited' }>,
): Promise<void> {
  const { payment, balanceCents, settlement } = confirmation;
  const account = (await getAccount(deps.db, payment.accountId))!;
  const format = formatOf(deps);
  const model = {
    format,
    settlement: { format, ...settlement },
    accountName: account.name,
    amountCents: payment.amountCents,
    balanceCents,
    by: payment.requestedBy,
    paymentId: payment.id,
  };
  deps.background.run('reload receipt', () =>
    deps.notifier.postMessage(
      payment.requestedBy,
      { kind: 'reload_received', model: model },
      `reload-receipt:${payment.id}`,
    ),
  );
  if (account.billingChannelId) {
    const channel = account.billingChannelId;
    deps.background.run('reload notice', () =>
      deps.notifier.postMessage(
        channel,
        { kind: 'reload_notice', model: model },
        `reload-notice:${payment.id}`,
      ),
    );
  }
  balanceChanged(deps, account.id);
}

/** `refund <payment id> [<amount>]` (finance). */
export async function refundCommand(ctx: CommandContext, args: string[]): Promise<Reply[]> {
  const paymentId = args[0];
  if (!paymentId || !isPaymentId(paymentId)) {
    throw new UsageError(
      paymentId
        ? `"${describeInput(paymentId)}" is not a payment id (pay_…).`
        : 'Which payment? Give its id (pay_…).',
    );
  }
  const amountCents =
    args[1] === undefined ? undefined : read(amountArg(ctx.deps.config.currency), args[1], '');
  noMoreArguments(args, 2);
  const format = formatOf(ctx.deps);
  const say = (...parts: NoticePart[]): Reply[] => privately(notice(format, ...parts));
  const money = (cents: bigint) => formatMoney(cents, format.currency);
  try {
    const result = await refundPayment(ctx.deps.db, ctx.deps.payments, {
      paymentId,
      amountCents,
      requestKey: ctx.actor.requestId ?? `${ctx.actor.userId}:${ctx.now.toISOString()}`,
      actor: ctx.actor.userId,
      now: ctx.now,
      timeZone: ctx.deps.config.billingTimeZone,
      financeChannel: ctx.deps.config.financeChannel,
    });
    const account = (await getAccount(ctx.deps.db, result.payment.accountId))!;
    balanceChanged(ctx.deps, account.id);
    const message: MessageModel = {
      kind: 'refund',
      model: {
        format,
        accountName: account.name,
        paymentId,
        refundedCents: result.refund.amountCents,
        remainingCents: result.remainingCents,
        balanceCents: result.balanceCents,
        provider: result.payment.provider,
      },
    };
    return [{ kind: 'private', message }];
  } catch (err) {
    if (err instanceof RefundTooLargeError)
      return say(`Only ${money(err.remainingCents)} of that payment is left to refund.`);
    if (err instanceof RefundExceedsBalanceError) {
      return say(
        `The balance holds only ${money(err.balanceCents)}, so that refund cannot be taken from it.`,
      );
    }
    if (err instanceof RefundRefusedError) return say(`${err.message} (${describeInput(err.reason)})`);
    throw err;
  }
}
