import type { KnownBlock } from '@slack/types';
import { SLASH_COMMAND } from '../../app/ids.js';
import type { HelpModel } from '../../app/views.js';
import { BLOCK_KIT } from './block-kit-limits.js';
import type { Message } from './mrkdwn-text.js';
import { commandUsage, fallbackText, linesToSections, section, toPlain, userText } from './mrkdwn-text.js';

/** The answer to `/balance help` (or `/balance` alone): what this user may run. */
export function helpMessage(m: HelpModel): Message {
  const intro = `*Balance* — a prepaid balance for your devices. Here is what you can run:`;
  const lines = m.commands.map(
    ({ usage, description }) =>
      `\`${userText(commandUsage(usage, SLASH_COMMAND), 200)}\` — ${userText(description, 300)}`,
  );
  if (lines.length === 0) lines.push(`Nothing yet — ask an owner for access.`);
  // One block for the intro; the rest of the message's 50 blocks hold the list.
  const blocks: KnownBlock[] = [
    section(intro),
    ...linesToSections(lines).slice(0, BLOCK_KIT.messageBlocks - 1),
  ];
  return { text: fallbackText([intro, ...lines].map(toPlain)), blocks };
}
