/**
 * Plain data with bigint cents and Dates, as JSON and back: a bigint becomes `{"$bigint":"123"}`, a Date
 * `{"$date":"2026-12-01T09:00:00.000Z"}`. What is stored (the outbox's view models) decodes to what was written.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function encodeJson(value: unknown): Json {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(encodeJson);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a key "__proto__" stays data instead of setting the prototype.
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([key, v]) => [key, encodeJson(v)]),
    );
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new RangeError(`not a JSON number: ${value}`);
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new TypeError(`not plain data: ${typeof value}`);
  }
  return value as Json;
}

export function decodeJson<T>(json: Json): T {
  return decode(json) as T;
}

function decode(json: Json): unknown {
  if (Array.isArray(json)) return json.map(decode);
  if (json === null || typeof json !== 'object') return json;
  const keys = Object.keys(json);
  if (keys.length === 1 && typeof json.$bigint === 'string') return BigInt(json.$bigint);
  if (keys.length === 1 && typeof json.$date === 'string') return new Date(json.$date);
  return Object.fromEntries(Object.entries(json).map(([key, v]) => [key, decode(v)]));
}
