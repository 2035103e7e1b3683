/**
 * Signed requests — Slack's and Stripe's — carry the time they were signed. The libraries refuse old ones (replays);
 * one stamped ahead of our clock by more than this is refused too (SPEC §11): a clock skew is seconds, not minutes.
 */
export const MAX_FUTURE_SKEW_SECONDS = 60;

/** Whether a signature's timestamp (Unix seconds) lies too far ahead of the wall clock. */
export function signedInTheFuture(timestampSeconds: number, nowMs = Date.now()): boolean {
  return timestampSeconds > Math.floor(nowMs / 1000) + MAX_FUTURE_SKEW_SECONDS;
}
