import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretBoxError } from '../../src/services/secret-box.js';

const KEY = 'k3y-for-tests-0123456789abcdef0123456789abcdef';
const SECRET = 'dzmsPks-FwXpks80jhQGZZrAV3H2_ER0NAk91RE-xOBZvfghd98EM1hF9msfkanl';
const box = createSecretBox(KEY);

const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (err) {
    if (err instanceof SecretBoxError) return err.reason;
    throw err;
  }
  throw new Error('opened');
};

/** Changes one base64url character of part `index` of a sealed value. */
const alter = (sealed: string, index: number) => {
  const parts = sealed.split(':');
  const part = parts[index]!;
  parts[index] = (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
  return parts.join(':');
};

describe('secret box (AES-256-GCM)', () => {
  it('opens what it sealed, for any text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.string({ maxLength: 40 }),
        (text, ctx) => {
          expect(box.open(box.seal(text, ctx), ctx)).toBe(text);
        },
      ),
    );
  });

  it('never holds the plaintext, and uses a fresh 12-byte IV for every value', () => {
    const sealed = Array.from({ length: 200 }, () => box.seal(SECRET, 'jamf:1'));
    const ivs = new Set(sealed.map((s) => s.split(':')[2]));
    expect(ivs.size).toBe(200);
    expect(new Set(sealed).size).toBe(200);
    for (const s of sealed) {
      expect(s).not.toContain(SECRET);
      expect(s).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 16));
      const [format, keyId, iv, tag] = s.split(':');
      expect(format).toBe('v1');
      expect(keyId).toBe(box.keyId);
      expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
      expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    }
  });

  it('refuses an altered IV, tag or ciphertext, and a value moved to another context', () => {
    const sealed = box.seal(SECRET, 'jamf:1');
    expect(refusal(() => box.open(alter(sealed, 2), 'jamf:1'))).toBe('tampered');
    expect(refusal(() => box.open(alter(sealed, 3), 'jamf:1'))).toBe('tampered');
    expect(refusal(() => box.open(alter(sealed, 4), 'jamf:1'))).toBe('tampered');
    expect(refusal(() => box.open(sealed, 'jamf:2'))).toBe('tampered');
    expect(refusal(() => box.open(`${sealed}AA`, 'jamf:1'))).toBe('tampered');
  });

  it('says when a value was sealed under another key', () => {
    const other = createSecretBox(`${KEY}-rotated`);
    expect(other.keyId).not.toBe(box.keyId);
    expect(refusal(() => other.open(box.seal(SECRET, 'jamf:1'), 'jamf:1'))).toBe('other_key');
    // Even a forged key id does not open it.
    const forged = box.seal(SECRET, 'jamf:1').replace(box.keyId, other.keyId);
    expect(refusal(() => other.open(forged, 'jamf:1'))).toBe('tampered');
  });

  it.each(['', SECRET, 'v1:a:b:c', 'v2:x:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AA', 'v1:x:AA:AA:AA:AA'])(
    'refuses %j as not sealed',
    (text) => {
      expect(['format', 'other_key']).toContain(refusal(() => box.open(text, 'jamf:1')));
    },
  );
});
