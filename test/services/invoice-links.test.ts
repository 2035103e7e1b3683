import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  invoiceLinkKey,
  invoiceLinks,
  invoiceToken,
  invoiceTokenSchema,
  tokenMatches,
} from '../../src/services/invoice-links.js';

const SECRET = 'test-code-secret-0123456789abcdef0123456789';
const KEY = invoiceLinkKey(SECRET);

describe('invoice link tokens (SPEC §17)', () => {
  it('are 22 base64url characters, the same for the same invoice and key, passing their own schema', () => {
    const token = invoiceToken(KEY, 42);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(invoiceToken(invoiceLinkKey(SECRET), 42)).toBe(token);
    expect(invoiceTokenSchema.safeParse(token).success).toBe(true);
  });

  it('differ for every invoice and every key, and the key is not the code secret itself', () => {
    const tokens = new Set(Array.from({ length: 1_000 }, (_, id) => invoiceToken(KEY, id + 1)));
    expect(tokens.size).toBe(1_000);
    expect(invoiceToken(invoiceLinkKey(`${SECRET}x`), 42)).not.toBe(invoiceToken(KEY, 42));
    // Signing with the code secret directly (the key codes are hashed with) gives another token.
    const direct = createHmac('sha256', SECRET).update('invoice:42').digest().subarray(0, 16);
    expect(invoiceToken(KEY, 42)).not.toBe(direct.toString('base64url'));
  });

  it('match only their own invoice, whatever else is given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.string({ maxLength: 40 }), (id, other) => {
        expect(tokenMatches(KEY, id, invoiceToken(KEY, id))).toBe(true);
        expect(tokenMatches(KEY, id + 1, invoiceToken(KEY, id))).toBe(false);
        if (other !== invoiceToken(KEY, id)) expect(tokenMatches(KEY, id, other)).toBe(false);
      }),
    );
  });

  it('refuses in its schema anything but the exact form: padding, NUL, other alphabets, other lengths', () => {
    const token = invoiceToken(KEY, 7);
    for (const bad of [
      '',
      `${token}=`,
      `${token}\u0000`,
      `${token.slice(0, 21)}+`,
      `${token.slice(0, 21)}/`,
      token.slice(0, 21),
      `${token}A`,
      `${token.slice(0, 21)}\u00e9`,
    ])
      expect(invoiceTokenSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('put the token in the page, PDF and Pay addresses', () => {
    const token = invoiceToken(KEY, 7);
    expect(invoiceLinks('https://balance.example.com', KEY, { id: 7, number: 'INV-2026-00007' })).toEqual({
      page: `https://balance.example.com/invoices/INV-2026-00007?t=${token}`,
      pdf: `https://balance.example.com/invoices/INV-2026-00007.pdf?t=${token}`,
      pay: `https://balance.example.com/invoices/INV-2026-00007/pay?t=${token}`,
    });
  });
});
