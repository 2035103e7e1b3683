import { z } from 'zod';
import { DEVICES, MONTHS, parseWholeNumber } from '../domain/money.js';
import { type Account, getAccount } from '../services/accounts.js';
import { capitalize, parseJson } from './command-args.js';
import { CUSTOM_MONTHS, ESTIMATE_INPUT } from './ids.js';
import type { CommandContext, ViewValues } from './types.js';

/**
 * Reading the inputs the Estimate and Reload modals share: devices, a duration of 12/24/36 months or a custom one.
 * Both modals use the same block and action ids for them (SPEC §5).
 */
const DURATION = {
  devices: ESTIMATE_INPUT.devices,
  months: ESTIMATE_INPUT.months,
  custom: ESTIMATE_INPUT.customMonths,
};

export function inputText(values: ViewValues, block: string): string {
  return values[block]?.[block]?.value ?? '';
}

/** Whether a checkboxes input has `option` ticked. */
export function isChecked(values: ViewValues, block: string, option: string): boolean {
  return values[block]?.[block]?.selected_options?.some((o) => o.value === option) ?? false;
}

export function selectedValue(values: ViewValues, block: string): string | null {
  return values[block]?.[block]?.selected_option?.value ?? null;
}

/** What the devices and duration inputs hold so far (null where they hold nothing valid yet). */
export interface DurationDraft {
  devices: number | null;
  monthsChoice: string | null;
  customMonths: number | null;
}

export function readDuration(values: ViewValues): DurationDraft {
  const whole = (raw: string, rule: typeof DEVICES | typeof MONTHS) => {
    const parsed = parseWholeNumber(raw, rule);
    return parsed.ok ? parsed.value : null;
  };
  return {
    devices: whole(inputText(values, DURATION.devices), DEVICES),
    monthsChoice: selectedValue(values, DURATION.months),
    customMonths: whole(inputText(values, DURATION.custom), MONTHS),
  };
}

export function monthsOf(draft: DurationDraft): number | null {
  if (draft.monthsChoice === CUSTOM_MONTHS) return draft.customMonths;
  return draft.monthsChoice ? Number(draft.monthsChoice) : null;
}

/** The duration a months count stands for in the select: 12, 24 or 36, else custom. */
export function monthsChoiceOf(months: number): { monthsChoice: string; customMonths: number | null } {
  return [12, 24, 36].includes(months)
    ? { monthsChoice: String(months), customMonths: null }
    : { monthsChoice: CUSTOM_MONTHS, customMonths: months };
}

/** On submit: the devices and months, or an error message per field (block_id → text). */
export function validateDuration(
  values: ViewValues,
): { ok: true; devices: number; months: number } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const devices = parseWholeNumber(inputText(values, DURATION.devices), DEVICES);
  if (!devices.ok) errors[DURATION.devices] = capitalize(devices.error);
  const choice = selectedValue(values, DURATION.months);
  let months: number | undefined;
  if (choice === CUSTOM_MONTHS) {
    const custom = parseWholeNumber(inputText(values, DURATION.custom), MONTHS);
    if (custom.ok) months = custom.value;
    else errors[DURATION.custom] = capitalize(custom.error);
  } else if (choice && ['12', '24', '36'].includes(choice)) months = Number(choice);
  else errors[DURATION.months] = 'Choose 12, 24 or 36 months, or Custom.';
  if (!devices.ok || months === undefined) return { ok: false, errors };
  return { ok: true, devices: devices.value, months };
}

/** What a modal carries between its steps (private_metadata): where it was opened, and for which account. */
const ModalMetadata = z.object({
  c: z.string().max(40).optional(),
  a: z.number().int().positive().optional(),
});

export function modalMetadata(channelId: string | undefined, account: Account | undefined): string {
  return JSON.stringify({ c: channelId, a: account?.id });
}

/** The channel the modal was opened in, and its account if it still exists. The caller checks the role. */
export async function readModalMetadata(
  ctx: CommandContext,
  text: string,
): Promise<{ channelId?: string; account?: Account }> {
  const parsed = ModalMetadata.safeParse(parseJson(text));
  if (!parsed.success) return {};
  const account = parsed.data.a ? await getAccount(ctx.deps.db, parsed.data.a) : undefined;
  return { channelId: parsed.data.c, account };
}
