import { z } from 'zod';
import { DEVICES, MONTHS } from '../domain/money.js';
import { getAccount } from '../services/accounts.js';
import { UserError } from '../services/errors.js';
import { requestContext } from '../services/roles.js';
import { refusalMessage } from '../slack/blocks/common.js';
import { ACTION, CALLBACK, ESTIMATE_INPUT, PAY_BUTTON, RELOAD_INPUT } from '../slack/ids.js';
import { allows, canRead, refusal, resolveAccount } from './access.js';
import { parseJson } from './args.js';
import { issueCodeForQuote } from './handlers/codes.js';
import { openEstimateModal, submitEstimateModal, updateEstimateModal } from './handlers/estimate-modal.js';
import { buildHome, pickHomeAccount } from './handlers/home.js';
import { postQuote } from './handlers/quote.js';
import { openRedeemModal, submitRedeemModal } from './handlers/redeem.js';
import { openReloadModal, submitReloadModal, updateReloadModal } from './handlers/reload.js';
import { refused, runCommand } from './router.js';
import type { ActionInput, Actor, CommandContext, Deps, Interactions, Reply } from './types.js';

/** The command layer behind both doors. */
export function createInteractions(deps: Deps): Interactions {
  const context = async (actor: Actor): Promise<CommandContext> => ({
    deps,
    actor,
    ...(await requestContext(deps.db, {
      userId: actor.userId,
      owners: deps.config.owners,
      channelId: actor.channelId,
    })),
    now: deps.clock.now(),
  });
  return {
    command: async (actor, text) => runCommand(await context(actor), text),
    action: async (actor, input) => {
      const ctx = await context(actor);
      return answeringRefusals(() => runAction(ctx, input));
    },
    submit: async (actor, view) => {
      const ctx = await context(actor);
      if (view.callbackId === CALLBACK.estimate) return submitEstimateModal(ctx, view);
      if (view.callbackId === CALLBACK.redeem) return submitRedeemModal(ctx, view);
      if (view.callbackId === CALLBACK.reload) return submitReloadModal(ctx, view);
      return { kind: 'close', replies: [] };
    },
    home: (userId) => buildHome(deps, userId),
  };
}

/** What an estimate's buttons carry (SPEC §4): the devices and months it showed, and its plan. */
const EstimateButton = z.object({
  devices: z.number().int().min(DEVICES.min).max(DEVICES.max),
  months: z.number().int().min(MONTHS.min).max(MONTHS.max),
  plan: z.string().max(32),
});

/** A click refused by a service (a limit, a replay, a conflict) is answered privately, like a command's refusal. */
async function answeringRefusals(run: () => Promise<Reply[]>): Promise<Reply[]> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UserError) return refused(err);
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
        return [{ kind: 'private', message: refusalMessage(refusal('quote', ['sales'])) }];
      }
      const request = EstimateButton.safeParse(parseJson(input.value));
      if (!request.success) return [];
      const { devices, months, plan } = request.data;
      const actor = { ...ctx.actor, channelId: input.message?.channelId ?? ctx.actor.channelId };
      return postQuote({ ...ctx, actor }, { devices, months, planCode: plan });
    }
    case ACTION.homeEstimate: {
      const account = await getAccount(ctx.deps.db, Number(input.value));
      return [await openEstimateModal(ctx, account && canRead(ctx.roles, account) ? account : undefined)];
    }
    case ACTION.homePickAccount:
      if (input.selectedValue) await pickHomeAccount(ctx.deps, ctx.actor.userId, Number(input.selectedValue));
      return [];
    case ACTION.homeRedeem: {
      const account = await getAccount(ctx.deps.db, Number(input.value));
      if (!account || !allows(['admin'], ctx.roles, account)) {
        return [{ kind: 'private', message: refusalMessage(refusal('redeem', ['admin'], account)) }];
      }
      return [openRedeemModal(ctx, account)];
    }
    case ACTION.alertReload:
    case ACTION.alertEstimate: {
      const account = await getAccount(ctx.deps.db, Number(input.value));
      if (!account) return [];
      if (input.actionId === ACTION.alertEstimate) {
        return [await openEstimateModal(ctx, canRead(ctx.roles, account) ? account : undefined)];
      }
      return [await openReloadModal(ctx, account, { mode: 'devices' })];
    }
    case ACTION.homeReload: {
      const account = await getAccount(ctx.deps.db, Number(input.value));
      if (!account) return [];
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
    case PAY_BUTTON:
      return []; // a link: the browser opens the checkout; Slack only wants the click acknowledged
    case ACTION.issueCodeForQuote:
      return issueCodeForQuote(ctx, Number(input.value), input.message);
    default:
      ctx.deps.logger.warn(`unhandled action ${input.actionId.slice(0, 60)}`);
      return [];
  }
}
