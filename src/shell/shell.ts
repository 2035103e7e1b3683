import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { SLASH_COMMAND } from '../app/ids.js';
import type { DoorNotifier } from '../app/notifier.js';
import type { OutboxOutput } from '../app/outbox-messages.js';
import type { ActionInput, Actor, Interactions, Reply } from '../app/types.js';
import type { MessageModel } from '../app/views.js';
import type { Identity } from '../domain/identity.js';
import type { OutboxRow, OutboxSender } from '../services/outbox.js';
// The shell shows what Slack would: view models through the Slack renderers, then Block Kit as text (render.ts).
import { renderHome, renderModal, renderMessage as slackMessage } from '../slack/render/message.js';
import { type Ask, createLineReader } from './lines.js';
import type { TextStyle } from './mrkdwn.js';
import { runModal } from './prompts.js';
import { type Choice, renderMessage, renderView } from './render.js';

/**
 * The shell door (SPEC §1, like Hubot's shell adapter): `/balance …` typed at a prompt, replies printed as text,
 * modals asked as prompts, buttons clicked by typing their number.
 */

export interface ShellOptions {
  interactions: Interactions;
  input: Readable;
  output: Writable;
  /** The person at the terminal: a user of the shell's own workspace. */
  person: Identity;
  channelId: string;
  /** How the shell's channel is named in `[posted in #…]`. Default `local`. */
  channelName?: string;
  /** ANSI bold for bold text and headers. Default off. */
  color?: boolean;
  onExit?: () => void;
  /** `jobs <job> [--month YYYY-MM] [--now ISO]` at the prompt (SPEC §12): runs a job by hand on the open database
   * and answers what it did. Only the local owner's shell has it. */
  jobs?: (args: string[]) => Promise<string[]>;
}

const PROMPT = 'balance> ';
/** Where files meant for the user (code lists, exports) are written in the shell. */
export const DEFAULT_FILE_DIR = '.data/files';
const GREETING = `Balance shell: type ${SLASH_COMMAND} help, home, or exit.`;

/** How a session ended: the user typed `exit`/`quit`, or the input ended (Ctrl-D, or the end of a piped script). */
export type ShellEnd = 'exit' | 'end-of-input';

/** Runs the session until `exit`, `quit` or the end of the input. Never rejects for an interaction's error. */
export async function runShell(options: ShellOptions): Promise<ShellEnd> {
  const reader = createLineReader(options.input, options.output);
  const shell = new ShellSession(options, reader.ask);
  try {
    return await shell.run();
  } finally {
    reader.close();
    options.onExit?.();
  }
}

/** Proactive output in the shell: messages print as `[to #channel] …`, a Home publish as one short line. */
export function shellNotifier(output: Writable, fileDir = DEFAULT_FILE_DIR): DoorNotifier {
  return {
    async publishHome(userId) {
      output.write(`[home tab of @${userId} updated]\n`);
    },
    async sendFile(_userId, file) {
      // The shell's "DM" is the local disk: the file is written where the user can open it.
      await mkdir(fileDir, { recursive: true });
      const path = join(fileDir, basename(file.name));
      await writeFile(path, file.content, { mode: 0o600 });
      return `at ${resolve(path)}`;
    },
  };
}

/** In the shell, the outbox "sends" by printing: messages as `[to #channel] …`, files into the file folder. */
export function shellOutboxSender(
  output: Writable,
  render: (row: OutboxRow) => Promise<OutboxOutput>,
  fileDir = DEFAULT_FILE_DIR,
): OutboxSender {
  return {
    async send(row) {
      const rendered = await render(row);
      if (rendered.kind === 'message') {
        const { text } = renderMessage(slackMessage(rendered.message), { interactive: false });
        output.write(`[to #${row.channelId}] ${text}\n`);
      } else {
        await mkdir(fileDir, { recursive: true });
        const path = join(fileDir, basename(rendered.name));
        await writeFile(path, rendered.content, { mode: 0o600 });
        output.write(`[to #${row.channelId}] ${rendered.comment}: ${resolve(path)}\n`);
      }
      return { ts: null };
    },
  };
}

/** A choice on screen, with where it was shown (the actor who clicks and the message it belongs to). */
interface ShownChoice extends Choice {
  actor: Actor;
  message?: ActionInput['message'];
}

interface Printed {
  message: MessageModel;
  actor: Actor;
  where?: ActionInput['message'];
  prefix?: string;
}

const QUIT_WORDS = new Set(['exit', 'quit']);

class ShellSession {
  private choices: ShownChoice[] = [];
  private lastTs = 0;

  constructor(
    private readonly options: ShellOptions,
    private readonly ask: Ask,
  ) {}

  async run(): Promise<ShellEnd> {
    this.print(GREETING);
    for (;;) {
      const line = await this.ask(PROMPT);
      if (line === null) return 'end-of-input';
      if (QUIT_WORDS.has(line.trim().toLowerCase())) return 'exit';
      await this.handleSafely(line.trim());
    }
  }

  private async handleSafely(line: string): Promise<void> {
    try {
      await this.handle(line);
    } catch (error) {
      this.print(`error: ${errorText(error)}`);
    }
  }

  private async handle(line: string): Promise<void> {
    if (line === '') return;
    if (line.toLowerCase() === 'home') return this.showHome();
    if (/^\d+$/.test(line) && this.choices.length > 0) return this.click(Number(line));
    const jobs = /^jobs(?:\s+(.*))?$/i.exec(line);
    if (jobs && this.options.jobs) {
      for (const said of await this.options.jobs(jobs[1]?.split(/\s+/) ?? [])) this.print(said);
      return;
    }
    const text = commandText(line);
    if (text === null)
      return this.print(`unknown command: ${line.split(/\s+/)[0]} (try ${SLASH_COMMAND} help)`);
    const replies = await this.options.interactions.command(this.channelActor(), escapeMentions(text));
    await this.showReplies(replies, this.channelActor());
  }

  private channelActor(): Actor {
    return { ...this.options.person, channelId: this.options.channelId };
  }

  private homeActor(): Actor {
    return { ...this.options.person };
  }

  private async showHome(): Promise<void> {
    const view = await this.options.interactions.home(this.options.person);
    const rendered = renderView(renderHome(view), this.style());
    this.print(rendered.text || '(the Home tab is empty)');
    this.remember(rendered.choices.map((choice) => ({ ...choice, actor: this.homeActor() })));
  }

  private async click(number: number): Promise<void> {
    const choice = this.choices.find((candidate) => candidate.number === number);
    if (!choice) return this.print(`no choice [${number}]: pick 1–${this.choices.length}`);
    if (choice.url) return this.print(`open ${choice.url}`);
    if (choice.confirm && !(await this.confirm(choice.confirm))) return;
    const replies = await this.options.interactions.action(choice.actor, actionFor(choice));
    await this.showReplies(replies, choice.actor);
  }

  private async confirm(question: string): Promise<boolean> {
    const answer = await this.ask(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer?.trim() ?? '');
  }

  private async showReplies(replies: Reply[], actor: Actor): Promise<void> {
    const shown: ShownChoice[] = [];
    for (const reply of replies) {
      const printed = await this.printable(reply, actor);
      if (printed) shown.push(...this.printMessage(printed, shown.length + 1));
      else await this.showUnprintable(reply, actor);
    }
    this.remember(shown);
  }

  /** What a reply prints, and where it was "posted" (calling `onPosted` like Slack's door would). */
  private async printable(reply: Reply, actor: Actor): Promise<Printed | null> {
    switch (reply.kind) {
      case 'private':
        return { message: reply.message, actor, where: this.here(actor) };
      case 'channel': {
        const where = { channelId: actor.channelId ?? this.options.channelId, ts: this.nextTs() };
        await reply.onPosted?.(where);
        return { message: reply.message, actor, where, prefix: `[posted in #${this.channelName()}]` };
      }
      case 'thread': {
        const where = { channelId: reply.channelId, ts: this.nextTs(), threadTs: reply.threadTs };
        return { message: reply.message, actor, where, prefix: '[in thread]' };
      }
      default:
        return null;
    }
  }

  private async showUnprintable(reply: Reply, actor: Actor): Promise<void> {
    if (reply.kind === 'open_modal') {
      await runModal(
        {
          interactions: this.options.interactions,
          actor,
          ask: this.ask,
          print: (text) => this.print(text),
          showReplies: (replies) => this.showReplies(replies, actor),
          style: this.style(),
        },
        renderModal(reply.view),
      );
    } else if (reply.kind === 'update_modal') {
      this.print('(a modal update arrived, but no modal is open)');
    }
  }

  private printMessage(printed: Printed, firstChoice: number): ShownChoice[] {
    const rendered = renderMessage(slackMessage(printed.message), { ...this.style(), firstChoice });
    this.print(printed.prefix ? `${printed.prefix}\n${rendered.text}` : rendered.text);
    return rendered.choices.map((choice) => ({ ...choice, actor: printed.actor, message: printed.where }));
  }

  /** Choices stay clickable until a newer output shows choices of its own. */
  private remember(choices: ShownChoice[]): void {
    if (choices.length > 0) this.choices = choices;
  }

  private here(actor: Actor): ActionInput['message'] {
    return actor.channelId ? { channelId: actor.channelId, ts: this.nextTs() } : undefined;
  }

  /** A made-up Slack message timestamp, unique within the session. */
  private nextTs(): string {
    this.lastTs = Math.max(Date.now() / 1000, this.lastTs + 0.000001);
    return this.lastTs.toFixed(6);
  }

  private channelName(): string {
    return this.options.channelName ?? 'local';
  }

  private style(): TextStyle {
    return { color: this.options.color ?? false };
  }

  private print(text: string): void {
    this.options.output.write(`${text}\n`);
  }
}

/** `/balance estimate 5` → `estimate 5`; `help` → `help`; any other slash command → null. */
export function commandText(line: string): string | null {
  if (line.toLowerCase() === 'help') return 'help';
  const first = line.split(/\s/, 1)[0] ?? '';
  if (first.toLowerCase() === SLASH_COMMAND) return line.slice(first.length).trim();
  if (first.startsWith('/')) return null;
  return line;
}

/** What Slack's `should_escape` does to mentions typed by id: `@U123` → `<@U123>`, `#C123` → `<#C123>`. */
export function escapeMentions(text: string): string {
  return text
    .replace(/(^|\s)@([UW][A-Z0-9]{2,})(?=\s|$)/g, '$1<@$2>')
    .replace(/(^|\s)#([CG][A-Z0-9]{2,})(?=\s|$)/g, '$1<#$2>');
}

function actionFor(choice: ShownChoice): ActionInput {
  const input: ActionInput = { actionId: choice.actionId };
  if (choice.blockId !== undefined) input.blockId = choice.blockId;
  if (choice.value !== undefined) input.value = choice.value;
  if (choice.selectedValue !== undefined) input.selectedValue = choice.selectedValue;
  if (choice.message) input.message = choice.message;
  return input;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] || 'something went wrong';
}
