// The sandbox checkout page (SPEC §7): a self-contained HTML page, no scripts and no external assets, that stands
// in for the provider's checkout when there are no Stripe keys. Pure: the route decides the status.

import type { SandboxPageModel } from '../app/views.js';
import { formatMoney } from '../domain/money.js';
import { escapeHtml, htmlPage } from './html.js';

export const SANDBOX_BANNER = 'Sandbox — no real money';

const STATEMENTS: Record<Exclude<SandboxPageModel['status'], 'pending'>, string> = {
  paid: 'This payment is complete. Your balance has been credited.',
  expired: 'This payment link has expired.',
  cancelled: 'This payment was cancelled.',
  unknown: 'There is no such payment.',
};

const STYLE = `
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
    background: #f4f5f7; color: #1d1c1d; padding: 16px;
    font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
  main { width: 100%; max-width: 420px; background: #fff; border-radius: 12px; overflow: hidden;
    box-shadow: 0 1px 3px rgba(0, 0, 0, .12), 0 8px 24px rgba(0, 0, 0, .06); }
  .banner { margin: 0; padding: 10px 16px; background: #fff4ce; color: #6b4e00; font-weight: 600;
    text-align: center; border-bottom: 1px solid #f0dc8f; }
  .body { padding: 24px; }
  h1 { margin: 0 0 4px; font-size: 14px; font-weight: 600; color: #616061; text-transform: uppercase;
    letter-spacing: .04em; }
  .account { margin: 0 0 8px; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
  .amount { margin: 0 0 20px; font-size: 32px; font-weight: 700; }
  .statement { margin: 0; padding: 12px 16px; background: #f4f5f7; border-radius: 8px; }
  .payment { margin: 16px 0 0; font-size: 13px; color: #616061; overflow-wrap: anywhere; }
  form { display: flex; gap: 12px; flex-wrap: wrap; }
  fieldset.card { flex: 1 1 100%; margin: 0; padding: 8px 12px; border: 1px solid #ddd; border-radius: 8px; }
  fieldset.card label { display: block; padding: 4px 0; }
  button { flex: 1 1 140px; padding: 12px 16px; font: inherit; font-weight: 600; border-radius: 8px;
    cursor: pointer; border: 1px solid #c4c4c4; background: #fff; color: #1d1c1d; }
  button.pay { background: #007a5a; border-color: #007a5a; color: #fff; }
  button:focus-visible { outline: 3px solid #1264a3; outline-offset: 2px; }
`;

/** The page for `GET /pay/sandbox/<payment id>`, and after its form is posted. */
export function sandboxPage(m: SandboxPageModel): string {
  const title = m.status === 'pending' ? 'Sandbox checkout' : 'Sandbox payment';
  return htmlPage({
    title,
    style: STYLE,
    main: [
      `<p class="banner" role="note">${escapeHtml(SANDBOX_BANNER)}</p>`,
      '<div class="body">',
      ...content(m),
      '</div>',
    ],
  });
}

function content(m: SandboxPageModel): string[] {
  if (m.status === 'unknown') {
    return [`<h1>${escapeHtml('Payment')}</h1>`, statement(STATEMENTS.unknown)];
  }
  const amount = formatMoney(m.amountCents, m.format.currency);
  const lines = [
    `<h1>${m.status === 'pending' ? 'Reload balance' : 'Payment'}</h1>`,
    `<p class="account">${escapeHtml(m.accountName)}</p>`,
    `<p class="amount">${escapeHtml(amount)}</p>`,
  ];
  if (m.status === 'pending') {
    lines.push(
      `<form method="post" action="${escapeHtml(m.action)}">`,
      '<fieldset class="card"><legend>Test card</legend>',
      '<label><input type="radio" name="test_card" value="succeeds" checked> Visa …4242: pays, and pays again automatically</label>',
      '<label><input type="radio" name="test_card" value="declines"> Visa …0341: pays now, declines automatic reloads</label>',
      `<label><input type="checkbox" name="save_card" value="1"${m.saveCard ? ' checked' : ''}> Save this card for automatic reloads</label>`,
      '</fieldset>',
      `<button type="submit" class="pay" name="action" value="pay">${escapeHtml(`Pay ${amount}`)}</button>`,
      '<button type="submit" class="cancel" name="action" value="cancel">Cancel</button>',
      '</form>',
    );
  } else {
    lines.push(statement(STATEMENTS[m.status]));
  }
  lines.push(`<p class="payment">Payment id ${escapeHtml(m.paymentId)}</p>`);
  return lines;
}

function statement(text: string): string {
  return `<p class="statement" role="status">${escapeHtml(text)}</p>`;
}
