/** A refusal whose message is written for the person who asked (it never holds a secret or a code). */
export class UserError extends Error {
  override name = 'UserError';
}
