import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from '../../src/domain/json-codec.js';

// Proves: a view model with bigint cents and Dates survives the outbox's JSON (jsonb) and comes back equal.
describe('json-codec', () => {
  it('round-trips bigints, Dates, nesting and nulls through JSON text', () => {
    const leaf = fc.oneof(
      fc.bigInt(),
      fc.date({ noInvalidDate: true }),
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node')),
        fc.dictionary(fc.string(), tie('node')),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeJson(JSON.parse(JSON.stringify(encodeJson(v))))).toEqual(v);
      }),
    );
  });

  it('keeps an amount exact past 2^53 and a Date to the millisecond', () => {
    const model = { amountCents: 9_007_199_254_740_993n, at: new Date('2026-12-01T09:00:00.123Z') };
    const stored = JSON.stringify(encodeJson(model));
    expect(stored).toBe(
      '{"amountCents":{"$bigint":"9007199254740993"},"at":{"$date":"2026-12-01T09:00:00.123Z"}}',
    );
    expect(decodeJson(JSON.parse(stored))).toEqual(model);
  });

  it("keeps a key named __proto__ as data, not as the decoded object's prototype", () => {
    const stored = '{"__proto__":{"polluted":true},"amountCents":{"$bigint":"5"}}';
    const decoded = decodeJson<Record<string, unknown>>(JSON.parse(stored));
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'amountCents']);
    expect((decoded as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(encodeJson(decoded))).toBe(stored);
  });

  it('refuses what JSON cannot hold instead of storing it wrong', () => {
    expect(() => encodeJson({ n: Number.NaN })).toThrow(RangeError);
    expect(() => encodeJson({ f: () => 1 })).toThrow(TypeError);
  });
});
