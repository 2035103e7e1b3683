import { z } from 'zod';
import { ownerIdentities } from '../config.js';
import { DEVICES, MONTHS } from '../domain/money.js';
import { type Account, getAccount } from '../services/accounts.js';
import { StaleDirectory } from '../services/directory.js';
import { UserError } from '../services/errors.js';
import { requestContext } from '../services/roles.js';
import { allows, canRead, refusal, resolveAccount } from './access.js';
import { refusalOf } from './answers.js';
import { submitAutoReloadModal } from './autoreload-modal.js';
import { issueCodeForQuote } from './code-commands.js';
import { parseJson } from './command-args.js';
import { openEstimateModal, submitEstimateModal, updateEstimateModal } from './estimate-modal.js';
import { buildHome, pickHomeAccount } from './home-tab.js';
import { ACTION, CALLBACK, ESTIMATE_INPUT, PAY_BUTTON, RELOAD_INPUT } from './ids.js';
import { payInvoiceClick } from './invoice-pay.js';
import { submitJamfConnectModal } from './jamf.js';
import { postQuote } from './quote.js';
import { openRedeemModal, submitRedeemModal } from './redeem.js';
import { openReloadModal, submitReloadModal, updateReloadModal } from './reload.js';
import { refused, runCommand } from './run-command.js';
import type { ActionInput, Actor, CommandContext, Deps, Interactions, Reply } from './types.js';

/** The command layer behind both doors. */
export function createInteractions(deps: Deps): Interactions {
  const owners = ownerIdentities(deps.config);
  const context = async (actor: Actor, check: 'now' | 'later' = 'now'): Promise<CommandContext> => ({
    deps,
    actor,
    ...(await requestContext(deps.db, {
      person: { teamId: actor.teamId, userId: actor.userId },
      owners,
      channelId: actor.channelId,
      check,
    })),
    now: deps.clock.now(),
  });
  return {
    // A command may start on the cached context unchecked (status and estimate confirm it in their own statement):
    // when the directory moved meanwhile, it runs again on a fresh one.
    command: async (actor, text) => {
      const started = performance.now();
      try {
        return await runCommand(await context(actor, 'later'), text, started);
      } catch (err) {
        if (err instanceof StaleDirectory) return runCommand(await context(actor), text, started);
        throw err;
      }
    },
    action: async (actor, input) => {
      const ctx = await context(actor);
      return answeringRefusals(ctx, () => runAction(ctx, input));
    },
    submit: async (actor, view) => {
      const ctx = await context(actor);
      if (view.callbackId === CALLBACK.estimate) return submitEstimateModal(ctx, view);
      if (view.callbackId === CALLBACK.redeem) return submitRedeemModal(ctx, view);
      if (view.callbackId === CALLBACK.reload) return submitReloadModal(ctx, view);
      if (view.callbackId === CALLBACK.jamfConnect) return submitJamfConnectModal(ctx, view);
      if (view.callbackId === CALLBACK.autoreload) return submitAutoReloadModal(ctx, view);
      return { kind: 'close', replies: [] };
    },
    home: (person) => buildHome(deps, person),
  };
}

/** What an estimate's buttons carry (SPEC §4): the devices and months it showed, and its plan. */
const EstimateButton = z.object({
  devices: z.number().int().min(DEVICES.min).max(DEVICES.max),
  months: z.number().int().min(MONTHS.min).max(MONTHS.max),
  plan: z.string().max(32),
});

/** A row id as buttons and selects carry it ("42"); anything else (a missing value, a forged one) is none. */
const RecordId = z
  .string()
  .regex(/^[1-9]\d{0,14}$/)
  .transform(Number);

function recordId(value: string | undefined): number | undefined {
  const parsed = RecordId.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

async function buttonAccount(ctx: CommandContext, value: string | undefined): Promise<Account | undefined> {
  const id = recordId(value);
  return id === undefined ? undefined : getAccount(ctx.deps.db, id);
}

/** The same answer whether the account is missing or only not the user's: ids are not confirmed to outsiders. */
function adminRefusal(ctx: CommandContext, command: string, account: Account | undefined): Reply {
  return { kind: 'private', message: refusalOf(refusal(command, ['admin'], ctx.roles, account)) };
}

/** A click refused by a service (a limit, a replay, a conflict) is answered privately, like a command's refusal. */
async function answeringRefusals(ctx: CommandContext, run: () => Promise<Reply[]>): Promise<Reply[]> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UserError) return refused(ctx, err);
    throw err;
  }
}

async function runAction(ctx: CommandContext, input: ActionInput): Promise<Reply[]> {
  const estimateInputs: string[] = Object.values(ESTIMATE_INPUT);
  if (input.view?.callbackId === CALLBACK.estimate && estimateInputs.includes(input.actionId)) {
    return updateEstimateModal(ctx, input.view);
  }
  const reloadInputs: string[] = Object.values(RELOAD_INPUT);
  if (input.view?.callbackId === CALLBACK.reload && reloadInputs.includes(input.actionId)) {
    return updateReloadModal(ctx, input.view);
  }
  switch (input.actionId) {
    case ACTION.shareAsQuote: {
      if (!allows(['sales'], ctx.roles)) {
        return [{ kind: 'private', message: refusalOf(refusal('quote', ['sales'], ctx.roles)) }];
      }
      const request = EstimateButton.safeParse(parseJson(input.value));
      if (!request.success) return [];
      const { devices, months, plan } = request.data;
      const actor = { ...ctx.actor, channelId: input.message?.channelId ?? ctx.actor.channelId };
      return postQuote({ ...ctx, actor }, { devices, months, planCode: plan });
    }
    case ACTION.homeEstimate:
    case ACTION.alertEstimate: {
      // The welcome Home tab's Estimate button names no account: the modal opens without one.
      const account = await buttonAccount(ctx, input.value);
      return [await openEstimateModal(ctx, account && canRead(ctx.roles, account) ? account : undefined)];
    }
    case ACTION.homePickAccount: {
      const accountId = recordId(input.selectedValue);
      if (accountId !== undefined) await pickHomeAccount(ctx.deps, ctx.actor, accountId);
      return [];
    }
    case ACTION.homeRedeem: {
      const account = await buttonAccount(ctx, input.value);
      if (!account || !allows(['admin'], ctx.roles, account)) return [adminRefusal(ctx, 'redeem', account)];
      return [openRedeemModal(ctx, account)];
    }
    case ACTION.alertReload:
    case ACTION.homeReload: {
      const account = await buttonAccount(ctx, input.value);
      if (!account) return [adminRefusal(ctx, 'reload', account)];
      return [await openReloadModal(ctx, account, { mode: 'devices' })];
    }
    case ACTION.reloadThisAmount: {
      // From an estimate: the devices and months it showed, for the account of the channel it was shown in.
      const request = EstimateButton.safeParse(parseJson(input.value));
      const account = await resolveAccount(ctx.deps.db, {
        channelId: input.message?.channelId ?? ctx.actor.channelId,
        roles: ctx.roles,
      }).catch(() => undefined);
      if (!request.success || !account) return [];
      const { devices, months } = request.data; // the account's own plan prices the reload
      return [await openReloadModal(ctx, account, { mode: 'devices', devices, months })];
    }
    case ACTION.payInvoice:
      return payInvoiceClick(ctx, input.value);
    case PAY_BUTTON:
      return []; // a link: the browser opens the checkout; Slack only wants the click acknowledged
    case ACTION.issueCodeForQuote: {
      const quoteId = recordId(input.value);
      return quoteId === undefined ? [] : issueCodeForQuote(ctx, quoteId, input.message);
    }
    default:
      ctx.deps.logger.warn(`unhandled action ${input.actionId.slice(0, 60)}`);
      return [];
  }
}
