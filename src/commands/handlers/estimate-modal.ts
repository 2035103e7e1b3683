import { z } from 'zod';
import { DEVICES, MONTHS, parseWholeNumber } from '../../domain/money.js';
import { estimate } from '../../domain/pricing.js';
import { type Account, getAccount, getPlan, listPlans } from '../../services/accounts.js';
import { readingAt } from '../../services/devices.js';
import { estimateMessage } from '../../slack/blocks/estimate.js';
import { estimateModal } from '../../slack/blocks/estimate-modal.js';
import { CUSTOM_MONTHS, ESTIMATE_INPUT } from '../../slack/ids.js';
import { canRead } from '../access.js';
import { capitalize } from '../args.js';
import type { CommandContext, Reply, SubmitResult, ViewValues } from '../types.js';
import { estimateModel } from './estimate.js';
import { formatOf } from './format.js';

/** What the Estimate modal carries between steps: where it was opened and for which account. */
const Metadata = z.object({ c: z.string().max(40).optional(), a: z.number().int().positive().optional() });
type Metadata = z.infer<typeof Metadata>;

function readMetadata(text: string): Metadata {
  try {
    return Metadata.parse(JSON.parse(text || '{}'));
  } catch {
    return {};
  }
}

/** Opens the Estimate modal, pre-filled with the account's current devices and plan when there is one. */
export async function openEstimateModal(ctx: CommandContext, account?: Account): Promise<Reply> {
  const { db } = ctx.deps;
  const current = account ? await readingAt(db, account.id, ctx.now) : undefined;
  const metadata: Metadata = { c: ctx.actor.channelId, a: account?.id };
  const draft: Draft = {
    devices: current?.count ?? null,
    monthsChoice: '12',
    customMonths: null,
    planCode: account?.planCode ?? 'standard',
  };
  return { kind: 'open_modal', view: await renderModal(ctx, draft, JSON.stringify(metadata)) };
}

interface Draft {
  devices: number | null;
  monthsChoice: string | null;
  customMonths: number | null;
  planCode: string;
}

function readDraft(values: ViewValues): Draft {
  const text = (block: string) => values[block]?.[block]?.value ?? '';
  const selected = (block: string) => values[block]?.[block]?.selected_option?.value ?? null;
  const whole = (raw: string, rule: typeof DEVICES | typeof MONTHS) => {
    const parsed = parseWholeNumber(raw, rule);
    return parsed.ok ? parsed.value : null;
  };
  return {
    devices: whole(text(ESTIMATE_INPUT.devices), DEVICES),
    monthsChoice: selected(ESTIMATE_INPUT.months),
    customMonths: whole(text(ESTIMATE_INPUT.customMonths), MONTHS),
    planCode: selected(ESTIMATE_INPUT.plan) ?? 'standard',
  };
}

function monthsOf(draft: Draft): number | null {
  if (draft.monthsChoice === CUSTOM_MONTHS) return draft.customMonths;
  return draft.monthsChoice ? Number(draft.monthsChoice) : null;
}

async function renderModal(ctx: CommandContext, draft: Draft, privateMetadata: string) {
  const plans = await listPlans(ctx.deps.db);
  const plan = plans.find((p) => p.code === draft.planCode) ?? plans[0]!;
  const months = monthsOf(draft);
  return estimateModal({
    format: formatOf(ctx.deps),
    plans,
    ...draft,
    planCode: plan.code,
    estimate:
      draft.devices !== null && months !== null ? estimate(draft.devices, months, plan.priceCents) : null,
    privateMetadata,
  });
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
  const errors: Record<string, string> = {};
  const raw = (block: string) => view.values[block]?.[block];
  const devices = parseWholeNumber(raw(ESTIMATE_INPUT.devices)?.value ?? '', DEVICES);
  if (!devices.ok) errors[ESTIMATE_INPUT.devices] = capitalize(devices.error);
  const choice = raw(ESTIMATE_INPUT.months)?.selected_option?.value;
  let months: number | undefined;
  if (choice === CUSTOM_MONTHS) {
    const custom = parseWholeNumber(raw(ESTIMATE_INPUT.customMonths)?.value ?? '', MONTHS);
    if (custom.ok) months = custom.value;
    else errors[ESTIMATE_INPUT.customMonths] = capitalize(custom.error);
  } else if (choice && ['12', '24', '36'].includes(choice)) months = Number(choice);
  else errors[ESTIMATE_INPUT.months] = 'Choose 12, 24 or 36 months, or Custom.';
  const planCode = raw(ESTIMATE_INPUT.plan)?.selected_option?.value ?? '';
  if (!(await getPlan(ctx.deps.db, planCode))) errors[ESTIMATE_INPUT.plan] = 'Choose a plan.';
  if (Object.keys(errors).length > 0 || !devices.ok || months === undefined)
    return { kind: 'errors', errors };

  const metadata = readMetadata(view.privateMetadata);
  const candidate = metadata.a ? await getAccount(ctx.deps.db, metadata.a) : undefined;
  const account = candidate && canRead(ctx.roles, candidate) ? candidate : undefined;
  const model = await estimateModel(ctx, { devices: devices.value, months, planCode }, account);
  return {
    kind: 'close',
    replies: [{ kind: 'private', channelId: metadata.c, message: estimateMessage(model) }],
  };
}
