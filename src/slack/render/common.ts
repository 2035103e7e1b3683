import { SLASH_COMMAND } from '../../app/ids.js';
import type { Message } from './mrkdwn-text.js';
import {
  commandUsage,
  escapeMrkdwn,
  fallbackText,
  linesToSections,
  section,
  toPlain,
  userText,
} from './mrkdwn-text.js';

/**
 * A short answer already written in mrkdwn by the caller (mentions, channels and dates as tokens, user text
 * escaped with `escapeMrkdwn`): shown as is, with the same content as the fallback.
 */
export function noticeMessage(mrkdwnText: string): Message {
  const text = mrkdwnText.trim() === '' ? 'Done.' : mrkdwnText;
  return { text: fallbackText([toPlain(text)]), blocks: linesToSections(text.split('\n')).slice(0, 50) };
}

/** The user may not do this (a role is missing, or it is not allowed now); nothing changed. */
export function refusalMessage(text: string): Message {
  const safe = escapeMrkdwn(text);
  return { text: fallbackText([safe]), blocks: [section(`🚫 ${safe}`)] };
}

/** Bad input: what was wrong, then how the command is used. Nothing was written. */
export function usageErrorMessage(problem: string, usage: string): Message {
  const trimmed = problem.trim();
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  const line = userText(first, 1000);
  const usageLine = `Usage: \`${userText(commandUsage(usage, SLASH_COMMAND), 1000)}\``;
  return { text: fallbackText([line, usageLine]), blocks: [section(`${line}\n${usageLine}`)] };
}
