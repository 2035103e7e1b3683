import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, HttpError } from './errors.js';

/**
 * Reads a request's raw body, refusing more than `limit` bytes — at once when Content-Length says so, else as soon
 * as the stream passes it (webhook signatures are checked on these bytes).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body as text; bytes that are not UTF-8 are refused rather than replaced. */
export function utf8(raw: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new HttpError(400, 'the body is not UTF-8');
  }
}

/** The media type of a request, lower case and without parameters (`application/json`). */
export function mediaTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * An HTML form post (`application/x-www-form-urlencoded`) as field → value. A field sent twice is refused: which
 * of the two counts would be a guess. An empty body needs no content type.
 */
export async function readForm(req: IncomingMessage, limit: number): Promise<Record<string, string>> {
  const text = utf8(await readBody(req, limit));
  if (text === '') return {};
  if (mediaTypeOf(req) !== 'application/x-www-form-urlencoded')
    throw new HttpError(415, 'the body must be a form (Content-Type: application/x-www-form-urlencoded)');
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, name))
      throw new HttpError(400, `the field "${name.slice(0, 40)}" is sent twice`);
    fields[name] = value;
  }
  return fields;
}
