import type { ServerResponse } from 'node:http';

// The app's HTML pages share one skeleton — self-contained (no scripts, no external assets), never indexed — and
// one escaper for what goes into them.

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/** A whole page: the title (escaped here), its style sheet, extra head lines, and the lines inside `<main>`. */
export function htmlPage(page: { title: string; style: string; head?: string[]; main: string[] }): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    ...(page.head ?? []),
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${page.style}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...page.main,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Answers a page; it is never cached (the app's pages show live state, some behind a token). */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(html);
}
