// Reads a PDF back as a person's tools would: poppler's pdftotext and pdfinfo, run as asynchronous child processes.
// A missing poppler fails the test with what to install; it never skips.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const POPPLER_MISSING =
  'not installed: the PDF tests read invoices back with poppler. ' +
  'Install it with `apt-get install -y poppler-utils` (.ci/run does when it is missing).';

/** Runs a poppler tool; a missing one is a clear failure of the test that needs it. */
async function poppler(tool: 'pdftotext' | 'pdfinfo', args: string[]): Promise<string> {
  try {
    return (await run(tool, args)).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool}: ${POPPLER_MISSING}`);
    throw err;
  }
}

async function withFile<T>(pdf: Buffer, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'balance-pdf-'));
  try {
    const path = join(dir, 'invoice.pdf');
    await writeFile(path, pdf);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The PDF's text in reading layout, every run of white space made one space (pages joined by a form feed). */
export async function pdfText(pdf: Buffer): Promise<string> {
  const text = await withFile(pdf, (path) => poppler('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-']));
  return text.replace(/[^\S\f]+/g, ' ');
}

/** The text of each page, in order. */
export async function pdfPages(pdf: Buffer): Promise<string[]> {
  const text = await pdfText(pdf);
  return text.split('\f').filter((page) => page.trim() !== '');
}

/** pdfinfo's fields (`Pages`, `Title`, `CreationDate`…), dates in ISO 8601. */
export async function pdfInfo(pdf: Buffer): Promise<Record<string, string>> {
  const stdout = await withFile(pdf, (path) => poppler('pdfinfo', ['-isodates', path]));
  const fields: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const match = /^([^:]+):\s*(.*)$/.exec(line);
    if (match) fields[match[1]!] = match[2]!;
  }
  return fields;
}
