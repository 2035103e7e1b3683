import type { JamfField } from '../domain/jamf.js';
import type { Account } from '../services/accounts.js';
import {
  connectJamf,
  disconnectJamf,
  jamfConnection,
  MissingSecretsKeyError,
} from '../services/connectors.js';
import { withDeadline } from '../services/jamf/deadline.js';
import { allows, refusal } from './access.js';
import { noMoreArguments } from './command-args.js';
import { refreshHomes } from './home-tab.js';
import { JAMF_INPUT } from './ids.js';
import { inputText, modalMetadata, readModalMetadata } from './modal-values.js';
import type { CommandContext, Reply, SubmitResult, ViewValues } from './types.js';
import type { JamfConnectModalModel, MessageModel } from './views.js';

/**
 * `/balance devices connect` and `disconnect` (SPEC §16): the Jamf Pro form, checked at once against the instance
 * (a token and one count) and answered on the field a problem belongs to; nothing is stored unless it counted.
 */

/** Slack waits 3 seconds for a modal's answer, and field errors can only be given in it. */
const CONNECT_CHECK_MS = 2_500;

/** The form's block ids (SPEC §5, §16) for the fields the connection rules name. */
const BLOCK_OF: Record<JamfField, string> = {
  url: JAMF_INPUT.url,
  client_id: JAMF_INPUT.clientId,
  client_secret: JAMF_INPUT.clientSecret,
};

export async function devicesConnectCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  noMoreArguments(args, 0);
  const current = await jamfConnection(ctx.deps.db, account!.id);
  const model: JamfConnectModalModel = {
    accountName: account!.name,
    privateMetadata: modalMetadata(ctx.actor.channelId, account),
    current: current ? { url: current.url, clientId: current.clientId } : null,
  };
  return [{ kind: 'open_modal', view: { kind: 'jamf_connect_modal', model } }];
}

export async function devicesDisconnectCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  noMoreArguments(args, 0);
  const current = await jamfConnection(ctx.deps.db, account!.id);
  const removed = current !== undefined && (await disconnectJamf(ctx.deps.db, account!.id));
  if (removed) refreshHomes(ctx.deps, account!.id);
  const message: MessageModel = {
    kind: 'jamf_disconnected',
    model: { accountName: account!.name, url: removed ? current.url : null },
  };
  return [{ kind: 'private', message }];
}

/** Submit of `jamf_connect`: admins of the account only; every refusal stays on its field and writes nothing. */
export async function submitJamfConnectModal(
  ctx: CommandContext,
  view: { privateMetadata: string; values: ViewValues },
): Promise<SubmitResult> {
  const { channelId, account } = await readModalMetadata(ctx, view.privateMetadata);
  if (!account || !allows(['admin'], ctx.roles, account)) {
    const refused = refusal('devices connect', ['admin'], ctx.roles, account).replaceAll('`', '');
    return { kind: 'errors', errors: { [JAMF_INPUT.url]: refused } };
  }
  const { deps } = ctx;
  const values = {
    url: inputText(view.values, JAMF_INPUT.url),
    client_id: inputText(view.values, JAMF_INPUT.clientId),
    client_secret: inputText(view.values, JAMF_INPUT.clientSecret),
  };
  const connectors = { ...deps.connectors, jamf: withDeadline(deps.connectors.jamf, CONNECT_CHECK_MS) };
  let result: Awaited<ReturnType<typeof connectJamf>>;
  try {
    result = await connectJamf(deps.db, connectors, {
      accountId: account.id,
      values,
      actor: ctx.actor.userId,
      now: ctx.now,
      timeZone: deps.config.billingTimeZone,
    });
  } catch (err) {
    if (!(err instanceof MissingSecretsKeyError)) throw err;
    deps.logger.warn(err.message);
    const unset = 'This deployment has no SECRETS_KEY to store the secret with: ask its operator to set one.';
    return { kind: 'errors', errors: { [JAMF_INPUT.clientSecret]: unset } };
  }
  if (!result.ok) {
    const errors: Record<string, string> = {};
    for (const [field, message] of Object.entries(result.errors))
      errors[BLOCK_OF[field as JamfField]] = message;
    return { kind: 'errors', errors };
  }
  refreshHomes(deps, account.id);
  // A new count moved the runway (its low-balance state was checked with the reading): auto-reload follows.
  if (result.reading)
    deps.background.run('auto-reload after a Jamf Pro count', () =>
      deps.autoReloadBelowThreshold([account.id]),
    );
  if (result.reading) deps.background.run('outbox after a Jamf Pro count', () => deps.outbox.kick());
  const message: MessageModel = {
    kind: 'jamf_connected',
    model: {
      accountName: account.name,
      url: result.url,
      computers: result.counts.computers,
      mobileDevices: result.counts.mobileDevices,
      recorded: result.reading !== undefined,
    },
  };
  return { kind: 'close', replies: [{ kind: 'private', channelId, message }] };
}
