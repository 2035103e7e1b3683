/**
 * Slack mrkdwn → terminal text. Pure. Bold becomes plain text (or ANSI bold when `color` is on); italics,
 * strikethrough and code keep their markers; `<…>` tokens become what a reader sees; entities are unescaped.
 */

export interface TextStyle {
  /** ANSI bold for `*bold*` and headers. Off by default. */
  color?: boolean;
}

const ESC = String.fromCharCode(27);
const ANSI_BOLD = `${ESC}[1m`;
const ANSI_BOLD_OFF = `${ESC}[22m`;
const ANSI_SEQUENCE = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');

export function bold(text: string, style: TextStyle = {}): string {
  return style.color ? `${ANSI_BOLD}${text}${ANSI_BOLD_OFF}` : text;
}

/** Length as shown in a terminal: ANSI sequences take no room. */
export function visibleLength(text: string): number {
  return text.replace(ANSI_SEQUENCE, '').length;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&' };

export function unescapeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp);/g, (_, name: string) => ENTITIES[name] ?? '');
}

/** `YYYY-MM-DD` of a Unix timestamp in seconds (UTC), for date tokens that carry no fallback. */
export function isoDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function splitLabel(inner: string): { target: string; label: string | undefined } {
  const bar = inner.indexOf('|');
  return bar < 0
    ? { target: inner, label: undefined }
    : { target: inner.slice(0, bar), label: inner.slice(bar + 1) };
}

function dateToken(target: string, label: string | undefined): string {
  if (label) return label;
  const seconds = Number(target.split('^')[1]);
  return Number.isFinite(seconds) ? isoDate(seconds) : target;
}

function specialToken(target: string, label: string | undefined): string {
  if (target.startsWith('!date^')) return dateToken(target, label);
  if (target.startsWith('!subteam^')) return label || `@${target.slice('!subteam^'.length)}`;
  return `@${target.slice(1)}`; // <!here>, <!channel>, <!everyone>
}

function linkToken(target: string, label: string | undefined): string {
  if (!label || label === target) return target;
  if (target === `mailto:${label}`) return label;
  return `${label} (${target})`;
}

/** What a reader sees for the inside of one `<…>` token. */
export function angleToken(inner: string): string {
  const { target, label } = splitLabel(inner);
  if (target.startsWith('!')) return specialToken(target, label);
  if (target.startsWith('@')) return `@${label || target.slice(1)}`;
  if (target.startsWith('#')) return `#${label || target.slice(1)}`;
  return linkToken(target, label);
}

/** `<@U…>`, `<#C…>`, `<!…>` and `<scheme:…>`; anything else in angle brackets (an unescaped `<devices>`) stays. */
const ANGLE_TOKEN = /<([@#!][^<>\n]*|[a-z][a-z0-9+.-]*:[^<>\n]*)>/gi;
const CODE = /(```[\s\S]*?```|`[^`\n]+`)/;
const BOLD = /(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])/g;

function convertProse(text: string, style: TextStyle): string {
  return text.replace(BOLD, (_, inner: string) => bold(inner, style));
}

export function mrkdwnToText(text: string, style: TextStyle = {}): string {
  const withTokens = text.replace(ANGLE_TOKEN, (_, inner: string) => angleToken(inner));
  const parts = withTokens.split(CODE);
  const converted = parts.map((part, index) => (index % 2 === 1 ? part : convertProse(part, style)));
  return unescapeEntities(converted.join(''));
}
