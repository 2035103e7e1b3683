import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import type { Format, PlanChoice } from '../../../src/app/views.js';
import { estimate, monthlyCost } from '../../../src/domain/pricing.js';
import { lowBalanceState, runway } from '../../../src/domain/runway.js';
import type { Account, Plan } from '../../../src/services/accounts.js';
import type { AutoReloadState } from '../../../src/services/autoreload-state.js';
import type { DeviceSource } from '../../../src/services/connectors.js';
import type { AccountSummary } from '../../../src/services/summary.js';
import type { Message } from '../../../src/slack/render/mrkdwn-text.js';

export const NOW = new Date('2026-12-10T15:00:00Z');
export const USD: Format = { currency: 'USD', timeZone: 'UTC' };
/** An account without readings nor a Jamf Pro connection. */
export const NO_SOURCE: DeviceSource = { reading: null, jamf: null };
export const PLUS: PlanChoice = { code: 'plus', name: 'Plus', priceCents: 400n };
export const STANDARD: PlanChoice = { code: 'standard', name: 'Standard', priceCents: 200n };

export function planRow(choice: PlanChoice = PLUS): Plan {
  return { ...choice, createdAt: new Date('2026-01-01T00:00:00Z') };
}

export function accountRow(overrides: Partial<Account> = {}): Account {
  return {
    id: 7,
    name: 'Acme',
    planCode: 'plus',
    billingChannelId: null,
    alertChannelId: null,
    alertThresholdTenths: 10,
    suspendedSince: null,
    createdBy: 'U0OWNER',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** An account summary as src/services/summary.ts computes it, from a balance and a device count. */
export function summaryOf(
  options: {
    account?: Partial<Account>;
    plan?: PlanChoice;
    balanceCents?: bigint;
    devices?: number | null;
    coveredDevices?: number;
    autoReload?: AutoReloadState;
  } = {},
): AccountSummary {
  const plan = options.plan ?? PLUS;
  const balanceCents = options.balanceCents ?? 300_000n;
  const devices = options.devices === undefined ? 120 : options.devices;
  const coveredDevices = options.coveredDevices ?? 0;
  const monthlyCents = monthlyCost(devices ?? 0, coveredDevices, plan.priceCents);
  const account = accountRow({ planCode: plan.code, ...options.account });
  const state = lowBalanceState(balanceCents, monthlyCents, account.alertThresholdTenths);
  return {
    account,
    plan: planRow(plan),
    balanceCents,
    devices,
    coveredDevices,
    packs: coveredDevices > 0 ? [{ devices: coveredDevices, endMonth: '2027-11' }] : [],
    monthlyCents,
    runway: runway(balanceCents, monthlyCents, NOW, 'UTC'),
    state,
    nextBill: { month: '2026-12', billedDevices: devices ?? 0, amountCents: monthlyCents },
    autoReload: options.autoReload ?? {
      settings: undefined,
      card: undefined,
      thisMonth: 0,
      lastDecline: undefined,
    },
  };
}

export const plusEstimate = (devices = 120, months = 24) => estimate(devices, months, PLUS.priceCents);

/** Every text a user could see in the blocks (mrkdwn and plain text, fields, buttons, options, labels). */
export function blockTexts(blocks: ReadonlyArray<KnownBlock | unknown>): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
    } else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if ((obj.type === 'mrkdwn' || obj.type === 'plain_text') && typeof obj.text === 'string')
        out.push(obj.text);
      for (const [key, value] of Object.entries(obj))
        if (key !== 'text' || typeof value !== 'string') walk(value);
    }
  };
  walk(blocks);
  return out.join('\n');
}

/** Blocks and fallback together: what could reach the reader of a message. */
export function everything(message: Message): string {
  return `${message.text}\n${blockTexts(message.blocks ?? [])}`;
}

export function viewTexts(view: ModalView | HomeView): string {
  return blockTexts(view.blocks);
}

type AnyElement = { type: string; action_id?: string; value?: string; text?: { text: string } };

/** The buttons of every actions block (and section accessories). */
export function buttons(blocks: ReadonlyArray<unknown>): AnyElement[] {
  const found: AnyElement[] = [];
  for (const block of blocks as Array<{ type: string; elements?: AnyElement[]; accessory?: AnyElement }>) {
    if (block.type === 'actions') found.push(...(block.elements ?? []).filter((e) => e.type === 'button'));
    if (block.accessory?.type === 'button') found.push(block.accessory);
  }
  return found;
}

/** Mention, broadcast or link tokens Slack would act on (date tokens are harmless and allowed). */
export const DANGEROUS = /<!(?!date\^)|<@|<#|<https?:|@(here|channel|everyone)\b/i;
