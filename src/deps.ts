import type { Writable } from 'node:stream';
import { autoReloadAfterCheck } from './app/auto-reload.js';
import { type DoorNotifier, withOutbox } from './app/notifier.js';
import { outboxMessage } from './app/outbox-messages.js';
import type { Deps } from './app/types.js';
import { formatOf } from './app/view-mappers.js';
import { createBackground } from './background.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { InvoiceDocuments } from './documents/invoice-documents.js';
import { createDispatcher, dispatchOutbox } from './jobs/dispatch.js';
import type { Logger } from './logger.js';
import type { ConnectorDeps } from './services/connectors.js';
import { createJamfProClient } from './services/jamf/client.js';
import type { OutboxSender } from './services/outbox.js';
import type { PaymentProvider } from './services/payments/provider.js';
import { shellOutboxSender } from './shell/shell.js';

/** How the outbox reaches people in this process: Slack's Web API, the shell's terminal, or not at all (CLI jobs
 * without Slack credentials: the messages stay queued for the app to send). */
export type OutboxTarget = { kind: 'slack' } | { kind: 'shell'; output: Writable } | { kind: 'none' };

export async function outboxSender(
  target: OutboxTarget,
  config: Config,
  db: Db,
  logger: Logger,
  documents: InvoiceDocuments,
): Promise<OutboxSender | undefined> {
  const format = formatOf({ config });
  // Slack's Web API (and its HTTP client) is loaded only by a process that sends through it: not by the shell.
  if (target.kind === 'slack')
    return (await import('./slack/outbox-sender.js')).slackOutboxSender(
      config,
      db,
      format,
      logger,
      documents,
    );
  if (target.kind === 'shell')
    return shellOutboxSender(target.output, (row) => outboxMessage(db, format, row, documents));
  return undefined;
}

/** Everything the command layer and the jobs need, built the same way by the app, the CLI and the tests. */
export function createDeps(input: {
  config: Config;
  db: Db;
  logger: Logger;
  codeSecret: string;
  payments: PaymentProvider;
  door: DoorNotifier;
  sender: OutboxSender | undefined;
  /** Default: no SECRETS_KEY, so no Jamf Pro connection can be stored (the CLI's jobs, tests of other things). */
  connectors?: ConnectorDeps;
  clock?: Clock;
  /** Waits out a Retry-After (tests use fake timers). */
  sleep?: (ms: number) => Promise<void>;
}): Deps {
  const { config, db, logger, sender } = input;
  const clock = input.clock ?? systemClock;
  const dispatcher = createDispatcher(
    async () =>
      sender
        ? dispatchOutbox({ db, sender, clock, logger, sleep: input.sleep })
        : { sent: 0, retried: 0, failed: 0 },
    logger,
  );
  const outbox = { kick: () => dispatcher.kick(), idle: () => dispatcher.idle() };
  const deps: Deps = {
    db,
    config,
    clock,
    logger,
    background: createBackground(logger),
    notifier: withOutbox(input.door, { db, clock, kick: outbox.kick }),
    codeSecret: input.codeSecret,
    payments: input.payments,
    connectors: input.connectors ?? { jamf: createJamfProClient(), secretsKey: undefined },
    outbox,
    autoReloadBelowThreshold: (accountIds) => autoReloadAfterCheck(deps, accountIds),
  };
  return deps;
}
