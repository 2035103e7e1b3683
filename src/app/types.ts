import type { Background } from '../background.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Identity } from '../domain/identity.js';
import type { Logger } from '../logger.js';
import type { Account } from '../services/accounts.js';
import type { ConnectorDeps } from '../services/connectors.js';
import type { DirectoryCheck } from '../services/directory.js';
import type { PaymentProvider } from '../services/payments/provider.js';
import type { Roles } from '../services/roles.js';
import type { FieldError, HomeModel, MessageModel, ModalModel } from './views.js';

/**
 * The contract between the doors (Slack, shell) and the use cases. Replies carry view models (./views.ts), plain
 * data: the Slack door renders them to Block Kit (src/slack/render), the shell to text. No use case knows Slack.
 */

export type Reply =
  /** Visible only to the user who asked (an ephemeral message) — in `channelId` when given (a modal remembers
   * where it was opened), else where the request came from, else in the user's DM with the app; in a thread when
   * `threadTs` is given. */
  | { kind: 'private'; message: MessageModel; channelId?: string; threadTs?: string }
  /** Posted in the channel for everyone; `onPosted` learns where (to thread later replies under it). */
  | {
      kind: 'channel';
      message: MessageModel;
      onPosted?: (where: { channelId: string; ts: string }) => Promise<void>;
    }
  /** Posted as a reply in a thread. */
  | { kind: 'thread'; channelId: string; threadTs: string; message: MessageModel }
  /** Opens a modal. */
  | { kind: 'open_modal'; view: ModalModel }
  /** Replaces the content of the modal the user has open (live totals). */
  | { kind: 'update_modal'; viewId: string; hash?: string; view: ModalModel };

/** Who is asking (their team and user id, SPEC §11) and from where. `channelId` is absent from the Home tab and
 * modals opened there. */
export interface Actor extends Identity {
  channelId?: string;
  /** Identifies this one request (Slack's trigger_id): a retried request carries the same one. */
  requestId?: string;
}

/** The values of a modal's inputs, as Slack sends them in `view.state.values` (block_id → action_id → value). */
export type ViewValues = Record<string, Record<string, InputValue>>;
export interface InputValue {
  type: string;
  value?: string | null;
  selected_option?: { value: string; text?: { type: string; text: string } } | null;
  /** Checkboxes: the options ticked. */
  selected_options?: Array<{ value: string }> | null;
}

export interface SubmittedView {
  id: string;
  callbackId: string;
  privateMetadata: string;
  values: ViewValues;
}

export type SubmitResult =
  /** Field errors by block_id; the modal stays open (`response_action: errors`). */
  | { kind: 'errors'; errors: Record<string, FieldError> }
  /** The modal turns into another step (`response_action: update`). */
  | { kind: 'update'; view: ModalModel }
  /** The modal closes; the replies follow. */
  | { kind: 'close'; replies: Reply[] };

/** A click or a selection: a button in a message, on the Home tab, or an input that dispatches in a modal. */
export interface ActionInput {
  actionId: string;
  blockId?: string;
  value?: string;
  selectedValue?: string;
  /** The modal the action happened in (live totals update it). */
  view?: { id: string; hash?: string; callbackId: string; privateMetadata: string; values: ViewValues };
  /** The message the button was in. */
  message?: { channelId: string; ts: string; threadTs?: string };
}

/** Proactive output that is not an answer to the user's own request. */
export interface Notifier {
  publishHome(userId: string, view: HomeModel): Promise<void>;
  /** Queued in the outbox and sent by the dispatcher; the same `dedupeKey` is queued once. */
  postMessage(channelId: string, message: MessageModel, dedupeKey: string): Promise<void>;
  /** Gives a file privately to a user; returns where it went, in words ("in your DM with Balance", a path). */
  sendFile(userId: string, file: { name: string; content: string }): Promise<string>;
}

/** Everything the command layer needs; built once at start, built directly by tests. */
export interface Deps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  notifier: Notifier;
  background: Background;
  /** The key balance codes are hashed with (CODE_SECRET, or generated for embedded PGlite). */
  codeSecret: string;
  /** The card payment provider (Stripe, or the sandbox). */
  payments: PaymentProvider;
  /** Jamf Pro and the key its client secrets are sealed with (SPEC §16). */
  connectors: ConnectorDeps;
  /** Sends what is queued in the outbox: `kick()` after writing to it. */
  outbox: { kick(): Promise<void>; idle(): Promise<void> };
  /**
   * Charges the runways of these accounts that fell below their auto-reload threshold (SPEC §15): app/auto-reload.ts,
   * wired in deps.ts, since an auto-reload's credit is itself a balance change (the two would import each other).
   */
  autoReloadBelowThreshold(accountIds: number[]): Promise<unknown>;
}

export interface CommandContext {
  deps: Deps;
  actor: Actor;
  roles: Roles;
  /** The account the actor's channel is linked to (null: none; undefined: no channel). */
  channelAccount: Account | null | undefined;
  /** When roles and the channel's account came from the process's cache unchecked: the check this request owes
   * (a statement that reads the directory version confirms it; run-command verifies before a write). */
  directory?: DirectoryCheck;
  now: Date;
}

/** The one entrance both doors use: Slack's listeners and the shell call exactly these. */
export interface Interactions {
  /** `/balance <text>`. */
  command(actor: Actor, text: string): Promise<Reply[]>;
  /** A button click or select in a message, the Home tab or a modal. */
  action(actor: Actor, input: ActionInput): Promise<Reply[]>;
  /** A modal's submit button. */
  submit(actor: Actor, view: SubmittedView): Promise<SubmitResult>;
  /** The person's Home tab as it should look now. */
  home(person: Identity): Promise<HomeModel>;
}
