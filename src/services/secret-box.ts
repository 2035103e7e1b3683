import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (SPEC §16: connector client secrets), sealed with AES-256-GCM under a key derived from SECRETS_KEY.
 * A sealed value is `v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url): a random 12-byte IV per value, GCM's 16-byte
 * authentication tag, and the id of the key that sealed it, so a later rotation can tell old values from new ones and
 * a changed key is reported as such instead of as tampering. The caller's `context` (e.g. `jamf:<account id>`) is
 * authenticated data: a sealed value copied onto another row does not open there.
 */
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  /** Identifies the key (a keyed hash of it, never the key): stored in every sealed value. */
  readonly keyId: string;
  seal(plaintext: string, context: string): string;
  /** Throws a SecretBoxError when the value was sealed under another key, altered, or moved to another context. */
  open(sealed: string, context: string): string;
}

export class SecretBoxError extends Error {
  constructor(
    readonly reason: 'format' | 'other_key' | 'tampered',
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const encode = (bytes: Buffer) => bytes.toString('base64url');
const decode = (text: string) => Buffer.from(text, 'base64url');

export function createSecretBox(secretsKey: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', secretsKey, 'balance', 'secret-box aes-256-gcm', 32));
  const keyId = createHmac('sha256', key).update('secret-box key id').digest('hex').slice(0, 12);
  return {
    keyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [FORMAT, keyId, encode(iv), encode(cipher.getAuthTag()), encode(ciphertext)].join(':');
    },
    open(sealed, context) {
      const parts = sealed.split(':');
      const [format, sealedKeyId, iv, tag, ciphertext] = parts;
      if (parts.length !== 5 || format !== FORMAT || !iv || !tag || ciphertext === undefined)
        throw new SecretBoxError('format', 'not a sealed secret');
      if (sealedKeyId !== keyId)
        throw new SecretBoxError('other_key', 'sealed under another SECRETS_KEY than the one configured');
      const ivBytes = decode(iv);
      const tagBytes = decode(tag);
      if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
        throw new SecretBoxError('format', 'not a sealed secret');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([decipher.update(decode(ciphertext)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('tampered', 'the sealed secret was altered or does not belong here');
      }
    },
  };
}
