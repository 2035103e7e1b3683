/** A refusal whose message is written for the person who asked (it never holds a secret or a code). */
export class UserError extends Error {
  override name = 'UserError';
}

/**
 * The request (a Slack trigger id or view id) was carried out before: a replay, a retry or a simultaneous twin.
 * Nothing new is made and nothing secret is shown again; the message says what the first one did.
 */
export class AlreadyDoneError extends UserError {
  override name = 'AlreadyDoneError';
}

/** The request id was already used for something else (another user, account, amount or arguments): refused. */
export class RequestConflictError extends UserError {
  override name = 'RequestConflictError';
}
