import { describe, expect, it } from 'vitest';
import type { SandboxPageModel } from '../../src/app/views.js';
import { escapeHtml } from '../../src/http/html.js';
import { sandboxPage } from '../../src/http/sandbox-page.js';

const USD = { currency: 'USD', timeZone: 'UTC' };
const HOSTILE = '<script>alert(1)</script> & "Co"';

const pending: SandboxPageModel = {
  format: USD,
  paymentId: 'pay_123',
  accountName: 'Acme',
  amountCents: 576_000n,
  status: 'pending',
  action: '/pay/sandbox/pay_123',
  saveCard: false,
};

describe('escapeHtml', () => {
  it('escapes the characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
    expect(escapeHtml('plain text — $5.00')).toBe('plain text — $5.00');
  });
});

describe('sandboxPage', () => {
  it('is a small self-contained HTML5 page marked as a sandbox', () => {
    const html = sandboxPage(pending);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<style>');
    expect(html).toContain('Sandbox — no real money');
    expect(html).not.toMatch(/<script|<link|\bsrc=|https?:\/\//i);
  });

  it('shows the account, the amount and a Pay/Cancel form while pending', () => {
    const html = sandboxPage(pending);
    expect(html).toContain('Acme');
    expect(html).toContain('$5,760.00');
    expect(html).toContain('<form method="post" action="/pay/sandbox/pay_123">');
    expect(html).toMatch(/<button type="submit"[^>]* name="action" value="pay">Pay \$5,760\.00<\/button>/);
    expect(html).toMatch(/<button type="submit"[^>]* name="action" value="cancel">Cancel<\/button>/);
  });

  it.each([
    ['paid', 'This payment is complete. Your balance has been credited.'],
    ['expired', 'This payment link has expired.'],
    ['cancelled', 'This payment was cancelled.'],
  ] as const)('shows a statement instead of the form when %s', (status, statement) => {
    const html = sandboxPage({ ...pending, status });
    expect(html).toContain(statement);
    expect(html).toContain('Acme');
    expect(html).toContain('$5,760.00');
    expect(html).toContain('Sandbox — no real money');
    expect(html).not.toContain('<form');
    expect(html).not.toContain('<button');
  });

  it('says there is no such payment, without an account or amount, when unknown', () => {
    const html = sandboxPage({
      ...pending,
      status: 'unknown',
      accountName: 'Secret Co',
      amountCents: 123_456n,
    });
    expect(html).toContain('There is no such payment.');
    expect(html).toContain('Sandbox — no real money');
    expect(html).not.toContain('Secret Co');
    expect(html).not.toContain('$1,234.56');
    expect(html).not.toContain('<form');
  });

  it('escapes every string from the model', () => {
    for (const status of ['pending', 'paid', 'expired', 'cancelled', 'unknown'] as const) {
      const html = sandboxPage({
        ...pending,
        status,
        accountName: HOSTILE,
        paymentId: HOSTILE,
        action: `/pay/sandbox/x"><script>alert(2)</script>`,
      });
      expect(html).not.toContain('<script');
      expect(html).not.toContain('"Co"');
      if (status !== 'unknown')
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
      if (status === 'pending') {
        expect(html).toContain('action="/pay/sandbox/x&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
      }
    }
  });

  it('shows the largest amount in full', () => {
    const html = sandboxPage({ ...pending, amountCents: 1_000_000_000n });
    expect(html).toContain('$10,000,000.00');
    expect(html).toContain('Pay $10,000,000.00');
  });
});
