import type { Reply } from './types.js';
import type { Format, MessageModel, NoticePart } from './views.js';

/** A short answer in words: plain strings, and the parts each door shows its own way (see NoticePart). */
export function notice(format: Format, ...parts: NoticePart[]): MessageModel {
  return { kind: 'notice', model: { format, parts } };
}

/** The user may not do this (a role is missing, or it is not allowed now); nothing changed. */
export function refusalOf(text: string): MessageModel {
  return { kind: 'refusal', text };
}

/** One answer, visible only to the user who asked. */
export function privately(message: MessageModel): Reply[] {
  return [{ kind: 'private', message }];
}
