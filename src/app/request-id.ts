import { randomUUID } from 'node:crypto';
import type { Actor } from './types.js';

/**
 * The id that makes a request that mints something idempotent (SPEC §11): Slack's trigger id, as the door gave it.
 * A caller that identifies no request (a test, a script) gets a fresh id: its request can only happen once.
 */
export function requestIdOf(actor: Actor): string {
  return actor.requestId ?? `local:${randomUUID()}`;
}
