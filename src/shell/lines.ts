import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** Asks one question; resolves with the line typed, or null once the input has ended. */
export type Ask = (prompt: string) => Promise<string | null>;

export interface LineReader {
  ask: Ask;
  close(): void;
}

function isTty(stream: Readable | Writable): boolean {
  return Boolean((stream as { isTTY?: boolean }).isTTY);
}

/**
 * Lines from `input`, one per question. Lines that arrive before they are asked for (piped input) wait in a
 * queue, so scripted sessions lose nothing. On a pipe the answer is echoed after the prompt, so the transcript
 * reads like a terminal session.
 */
export function createLineReader(input: Readable, output: Writable): LineReader {
  const terminal = isTty(input) && isTty(output);
  const readline = createInterface({
    input,
    output: terminal ? output : undefined,
    terminal,
    crlfDelay: Infinity,
  });
  const queued: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let ended = false;

  readline.on('line', (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else queued.push(line);
  });
  readline.on('close', () => {
    ended = true;
    for (const resolve of waiting.splice(0)) resolve(null);
  });

  const nextLine = (): Promise<string | null> => {
    if (queued.length > 0) return Promise.resolve(queued.shift()!);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => waiting.push(resolve));
  };

  const ask: Ask = async (prompt) => {
    if (ended && queued.length === 0) return null;
    if (terminal) {
      readline.setPrompt(prompt);
      readline.prompt();
    } else {
      output.write(prompt);
    }
    const line = await nextLine();
    if (line === null) output.write('\n');
    else if (!terminal) output.write(`${line}\n`);
    return line;
  };

  return { ask, close: () => readline.close() };
}
