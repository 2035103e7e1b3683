import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { encodeJson } from '../domain/json-codec.js';
import { enqueue } from '../services/outbox.js';
import type { Notifier } from './types.js';

/** What each door provides itself: Home tabs and private files are sent at once, never stored. */
export type DoorNotifier = Omit<Notifier, 'postMessage'>;

/** Proactive messages go through the outbox in every mode, so a Slack outage loses none of them (SPEC §8). */
export function withOutbox(
  door: DoorNotifier,
  input: { db: Db; clock: Clock; kick: () => Promise<void> },
): Notifier {
  return {
    ...door,
    async postMessage(channelId, message, dedupeKey) {
      await enqueue(
        input.db,
        [{ dedupeKey, channelId, event: { type: 'view', view: encodeJson(message) } }],
        input.clock.now(),
      );
      void input.kick();
    },
  };
}
