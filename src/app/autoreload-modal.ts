import { z } from 'zod';
import { formatMoney, parseAmount } from '../domain/money.js';
import { formatRunway } from '../domain/runway.js';
import type { Account } from '../services/accounts.js';
import { configureAutoReload } from '../services/autoreload.js';
import { autoReloadOf } from '../services/autoreload-state.js';
import { UserError } from '../services/errors.js';
import { cardOf } from '../services/payments/cards.js';
import { allows, refusal } from './access.js';
import { balanceChanged } from './balance-changed.js';
import { noMoreArguments } from './command-args.js';
import { AUTORELOAD_INPUT, AUTORELOAD_ON } from './ids.js';
import { inputText, isChecked, modalMetadata, readModalMetadata } from './modal-values.js';
import type { CommandContext, Reply, SubmitResult, ViewValues } from './types.js';
import type { AutoReloadModalModel } from './views.js';

/** 0.1 to 24 months with at most one decimal, as tenths (the threshold is stored in tenths). */
const Threshold = z
  .string()
  .trim()
  .regex(/^\d{1,2}(\.\d)?$/, 'Give months like 1.0 (one decimal at most)')
  .transform((text) => {
    const [whole, tenth = '0'] = text.split('.');
    return Number(whole) * 10 + Number(tenth);
  })
  .refine((tenths) => tenths >= 1 && tenths <= 240, 'Give 0.1 to 24 months');

const MaxPerMonth = z
  .string()
  .trim()
  .regex(/^\d{1,2}$/, 'Give a whole number from 1 to 10')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 10, 'Give a whole number from 1 to 10');

/** `autoreload`: the Auto-reload modal, pre-filled with the account's settings (off, 1.0 month and 2 a month at first). */
export async function autoReloadCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  noMoreArguments(args, 0);
  const [settings, card] = await Promise.all([
    autoReloadOf(ctx.deps.db, account!.id),
    cardOf(ctx.deps.db, account!.id),
  ]);
  const model: AutoReloadModalModel = {
    accountName: account!.name,
    enabled: settings?.enabled ?? false,
    thresholdText: formatRunway(settings?.thresholdTenths ?? 10).split(' ')[0]!,
    amountText: settings ? formatMoney(settings.amountCents, ctx.deps.config.currency) : '',
    maxPerMonth: settings?.maxPerMonth ?? 2,
    card: card ? { brand: card.brand, last4: card.last4 } : null,
    privateMetadata: modalMetadata(ctx.actor.channelId, account),
  };
  return [{ kind: 'open_modal', view: { kind: 'autoreload_modal', model } }];
}

function fieldError(result: { success: boolean; error?: z.ZodError }): string | undefined {
  return result.success ? undefined : result.error!.issues[0]!.message;
}

/**
 * Save: every field checked (zod, the amount by §4's rules and limits), errors on their fields, nothing written on a
 * refusal; a user who is no longer an admin of the account gets the role message on the form.
 */
export async function submitAutoReloadModal(
  ctx: CommandContext,
  view: { privateMetadata: string; values: ViewValues },
): Promise<SubmitResult> {
  const { account } = await readModalMetadata(ctx, view.privateMetadata);
  if (!account || !allows(['admin'], ctx.roles, account)) {
    return {
      kind: 'errors',
      errors: { [AUTORELOAD_INPUT.enabled]: refusal('autoreload', ['admin'], ctx.roles, account) },
    };
  }
  const values = view.values;
  const threshold = Threshold.safeParse(inputText(values, AUTORELOAD_INPUT.threshold));
  const maxPerMonth = MaxPerMonth.safeParse(inputText(values, AUTORELOAD_INPUT.maxPerMonth));
  const amount = parseAmount(inputText(values, AUTORELOAD_INPUT.amount), ctx.deps.config.currency);
  const errors: Record<string, string> = {};
  const thresholdError = fieldError(threshold);
  const maxError = fieldError(maxPerMonth);
  if (thresholdError) errors[AUTORELOAD_INPUT.threshold] = thresholdError;
  if (maxError) errors[AUTORELOAD_INPUT.maxPerMonth] = maxError;
  if (!amount.ok) errors[AUTORELOAD_INPUT.amount] = amount.error;
  if (!threshold.success || !maxPerMonth.success || !amount.ok) return { kind: 'errors', errors };
  const enabled = isChecked(values, AUTORELOAD_INPUT.enabled, AUTORELOAD_ON);
  try {
    const saved = await configureAutoReload(ctx.deps.db, {
      accountId: account.id,
      enabled,
      thresholdTenths: threshold.data,
      amountCents: amount.cents,
      maxPerMonth: maxPerMonth.data,
      by: ctx.actor.userId,
      now: ctx.now,
    });
    balanceChanged(ctx.deps, account.id); // Home shows it; an account already below the threshold is charged now
    const line = saved.enabled
      ? `Auto-reload is on for ${account.name}: ${formatMoney(saved.amountCents, ctx.deps.config.currency)} when the runway is below ${formatRunway(saved.thresholdTenths)}, at most ${saved.maxPerMonth} a month.`
      : `Auto-reload is off for ${account.name}.`;
    return { kind: 'close', replies: [{ kind: 'private', message: { kind: 'text', text: line } }] };
  } catch (err) {
    if (err instanceof UserError)
      return { kind: 'errors', errors: { [AUTORELOAD_INPUT.enabled]: err.message } };
    throw err;
  }
}
