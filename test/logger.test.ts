import { describe, expect, it } from 'vitest';
import { createLogger, redact, registerSecret } from '../src/logger.js';

describe('the logger', () => {
  it('writes JSON lines at or above its level', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sink: (l) => lines.push(l) });
    logger.debug('hidden');
    logger.info('shown', { amount: 5n });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      name: 'balance',
      msg: 'shown {"amount":"5"}',
    });
  });

  it.each([
    ['a Slack bot token', 'token xoxb-123456789-abcdefABCDEF'],
    ['an app token', 'xapp-1-A0123-4567-abcdef'],
    ['a Stripe key', 'sk_test_51Habcdefghijklmnop'],
    ['a webhook secret', 'whsec_abcdefghijklmnop'],
    ['a balance code', 'redeeming BAL-7K3M-9QWE-RTY1-ZX2C-4 now'],
    ['a license pack code', 'lp7k3m9qwerty1zx2c4'],
    [
      'a code after an escaped line break in a logged body',
      '{"text":"Your code:\\nBAL-7K3M-9QWE-RTY1-ZX2C-4"}',
    ],
    ['a code typed without its prefix', 'redeem 7k3m 9qwe rty1 zx2c 4'],
    ['a bare 17-character code', 'redeem 7K3M9QWERTY1ZX2C4'],
  ])('never writes %s', (_what, text) => {
    const lines: string[] = [];
    createLogger({ sink: (l) => lines.push(l) }).error(new Error(text));
    expect(lines[0]).toContain('[redacted]');
    expect(lines[0]).not.toMatch(/xox|xapp-1|sk_test_5|whsec_a|7K3M|7k3m/i);
  });

  it('leaves ordinary long words and ids alone', () => {
    const text = 'files.getUploadURLExternal ts=1764150000.000300 quote Q-2026-0001 user U0123ABCD';
    expect(redact(text)).toBe(text);
  });

  it('masks configured secrets such as the signing secret wherever they appear', () => {
    registerSecret('my-signing-secret-value');
    expect(redact('signature computed with my-signing-secret-value')).toBe(
      'signature computed with [redacted]',
    );
  });
});
