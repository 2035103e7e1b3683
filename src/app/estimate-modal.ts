import { estimate } from '../domain/pricing.js';
import { type Account, getPlan, listPlans } from '../services/accounts.js';
import { readingAt } from '../services/devices.js';
import { canRead } from './access.js';
import { estimateModel } from './estimate-model.js';
import { ESTIMATE_INPUT } from './ids.js';
import {
  type DurationDraft,
  modalMetadata,
  monthsOf,
  readDuration,
  readModalMetadata,
  selectedValue,
  validateDuration,
} from './modal-values.js';
import type { CommandContext, Reply, SubmitResult, ViewValues } from './types.js';
import { formatOf } from './view-mappers.js';
import type { ModalModel } from './views.js';

/** Opens the Estimate modal, pre-filled with the account's current devices and plan when there is one. */
export async function openEstimateModal(ctx: CommandContext, account?: Account): Promise<Reply> {
  const { db } = ctx.deps;
  const current = account ? await readingAt(db, account.id, ctx.now) : undefined;
  const draft: Draft = {
    devices: current?.count ?? null,
    monthsChoice: '12',
    customMonths: null,
    planCode: account?.planCode ?? 'standard',
  };
  return {
    kind: 'open_modal',
    view: await renderModal(ctx, draft, modalMetadata(ctx.actor.channelId, account)),
  };
}

interface Draft extends DurationDraft {
  planCode: string;
}

function readDraft(values: ViewValues): Draft {
  return { ...readDuration(values), planCode: selectedValue(values, ESTIMATE_INPUT.plan) ?? 'standard' };
}

async function renderModal(ctx: CommandContext, draft: Draft, privateMetadata: string): Promise<ModalModel> {
  const plans = await listPlans(ctx.deps.db);
  const plan = plans.find((p) => p.code === draft.planCode) ?? plans[0]!;
  const months = monthsOf(draft);
  return {
    kind: 'estimate_modal',
    model: {
      format: formatOf(ctx.deps),
      plans,
      ...draft,
      planCode: plan.code,
      estimate:
        draft.devices !== null && months !== null ? estimate(draft.devices, months, plan.priceCents) : null,
      privateMetadata,
    },
  };
}

/** A keystroke or selection in the modal: re-render it with the running total. */
export async function updateEstimateModal(
  ctx: CommandContext,
  view: { id: string; hash?: string; privateMetadata: string; values: ViewValues },
): Promise<Reply[]> {
  const modal = await renderModal(ctx, readDraft(view.values), view.privateMetadata);
  return [{ kind: 'update_modal', viewId: view.id, hash: view.hash, view: modal }];
}

/** Submit: field errors keep the modal open; otherwise the estimate message goes where the modal was opened. */
export async function submitEstimateModal(
  ctx: CommandContext,
  view: { privateMetadata: string; values: ViewValues },
): Promise<SubmitResult> {
  const duration = validateDuration(view.values);
  const errors = duration.ok ? {} : { ...duration.errors };
  const planCode = selectedValue(view.values, ESTIMATE_INPUT.plan) ?? '';
  if (!(await getPlan(ctx.deps.db, planCode))) errors[ESTIMATE_INPUT.plan] = 'Choose a plan.';
  if (!duration.ok || Object.keys(errors).length > 0) return { kind: 'errors', errors };

  const { channelId, account: candidate } = await readModalMetadata(ctx, view.privateMetadata);
  const account = candidate && canRead(ctx.roles, candidate) ? candidate : undefined;
  const model = await estimateModel(
    ctx,
    { devices: duration.devices, months: duration.months, planCode },
    account,
  );
  return {
    kind: 'close',
    replies: [{ kind: 'private', channelId, message: { kind: 'estimate', model: model } }],
  };
}
