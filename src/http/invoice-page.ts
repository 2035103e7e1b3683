// The hosted invoice page (SPEC §17): the same content as the PDF, as a self-contained HTML page in the sandbox
// page's style — no scripts, no external assets — with a Pay button while something is outstanding and a link to
// the PDF. Pure: the route finds the invoice, checks the token and passes the addresses.

import type { DocumentLine, InvoiceDocument } from '../app/invoice-document.js';
import {
  documentTitle,
  invoiceFacts,
  lineCells,
  paymentNote,
  perUnitText,
  statusStatement,
  TABLE_HEADINGS,
} from '../documents/invoice-text.js';
import { formatMoney } from '../domain/money.js';
import { escapeHtml, htmlPage } from './html.js';

export interface InvoicePageLinks {
  /** The PDF of this very invoice (with its token). */
  pdfUrl: string;
  /** Where the Pay button posts; no button without it, nor when nothing is outstanding. */
  payUrl?: string;
}

// Controls, invisible format characters and line separators: shown as a space, never raw.
const CONTROL_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
// Our own routes give relative or http(s) addresses; anything else (`javascript:`) is refused, not printed.
const SAFE_URL = /^(?:\/(?!\/)|https?:\/\/)/i;

const STYLE = `
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: flex-start; justify-content: center;
    background: #f4f5f7; color: #1d1c1d; padding: 24px 16px;
    font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
  main { width: 100%; max-width: 760px; background: #fff; border-radius: 12px; overflow: hidden; padding: 32px;
    box-shadow: 0 1px 3px rgba(0, 0, 0, .12), 0 8px 24px rgba(0, 0, 0, .06); }
  .top, .parties { display: flex; justify-content: space-between; gap: 24px; flex-wrap: wrap; }
  .issuer p { margin: 0; color: #616061; font-size: 14px; }
  .issuer .name { color: #1d1c1d; font-size: 18px; font-weight: 700; }
  .title { text-align: right; margin-left: auto; }
  h1 { margin: 0; font-size: 28px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; }
  .number { margin: 0; color: #616061; }
  .parties { margin: 28px 0 20px; }
  h2 { margin: 0 0 4px; font-size: 12px; font-weight: 600; color: #616061; text-transform: uppercase;
    letter-spacing: .04em; }
  .account { margin: 0; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
  .plan { margin: 0; color: #616061; font-size: 14px; }
  dl { margin: 0 0 0 auto; display: grid; grid-template-columns: auto auto; gap: 2px 24px; font-size: 14px; }
  dt { color: #616061; }
  dd { margin: 0; text-align: right; }
  dd.status { font-weight: 600; }
  .statement.notice { margin: 16px 0 0; font-weight: 400; }
  .statement { margin: 0 0 24px; padding: 12px 16px; background: #f4f5f7; border-radius: 8px; font-weight: 600; }
  .paid { color: #007a5a; }
  .overdue { color: #b3261e; }
  .written_off { color: #616061; }
  .lines { overflow-x: auto; }
  table { width: 100%; border-collapse: collapse; font-size: 14px; }
  th { font-size: 12px; font-weight: 600; color: #616061; text-transform: uppercase; letter-spacing: .04em;
    text-align: left; padding: 6px 8px; border-bottom: 1px solid #616061; }
  td { padding: 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
  th:first-child, td:first-child { padding-left: 0; }
  th:last-child, td:last-child { padding-right: 0; }
  .num { text-align: right; white-space: nowrap; }
  .detail.folded { display: none; }
  @media (max-width: 600px) {
    body { padding: 12px 8px; }
    main { padding: 20px 16px; }
    .qty, .unit { display: none; }
    .detail.folded { display: block; }
  }
  .detail { display: block; color: #616061; font-size: 13px; overflow-wrap: anywhere; }
  tr.total td { font-weight: 700; border-top: 1px solid #1d1c1d; }
  tr.outstanding td { font-size: 18px; background: #f4f5f7; border-top: 2px solid #1d1c1d; border-bottom: 0; }
  .pay-note { margin: 28px 0 0; }
  .pay-note p { margin: 0 0 16px; }
  form { margin: 0; }
  button { padding: 12px 24px; font: inherit; font-weight: 600; border-radius: 8px; cursor: pointer;
    border: 1px solid #007a5a; background: #007a5a; color: #fff; }
  button:focus-visible, a:focus-visible { outline: 3px solid #1264a3; outline-offset: 2px; }
  .links { margin: 28px 0 0; font-size: 14px; }
  a { color: #1264a3; }
`;

/** The page for `GET /invoices/<number>?t=<token>`. */
export function invoicePage(d: InvoiceDocument, links: InvoicePageLinks): string {
  const pdfUrl = safeUrl(links.pdfUrl);
  const payUrl = links.payUrl === undefined ? undefined : safeUrl(links.payUrl);
  return htmlPage({
    title: `${documentTitle(d)} · ${oneLine(d.billTo.accountName)}`,
    style: STYLE,
    // The address carries the token: never send it on to another site.
    head: ['<meta name="referrer" content="no-referrer">'],
    main: [
      ...header(d),
      ...parties(d),
      `<p class="statement ${d.status}" role="status">${text(statusStatement(d))}</p>`,
      ...table(d),
      ...payment(d, payUrl),
      `<p class="links"><a href="${escapeHtml(pdfUrl)}">Download the PDF</a></p>`,
    ],
  });
}

/** A short page in the invoice's style, for what stands in its place: no such invoice, a payment refused. */
export function invoiceNoticePage(heading: string, statement: string): string {
  return htmlPage({
    title: heading,
    style: STYLE,
    head: ['<meta name="referrer" content="no-referrer">'],
    main: [`<h1>${text(heading)}</h1>`, `<p class="statement notice" role="status">${text(statement)}</p>`],
  });
}

function header(d: InvoiceDocument): string[] {
  const issuer = d.issuer
    ? [
        '<div class="issuer">',
        `<p class="name">${bidi(d.issuer.name)}</p>`,
        ...d.issuer.addressLines.map((line) => `<p>${bidi(line)}</p>`),
        '</div>',
      ]
    : [];
  return [
    '<header class="top">',
    ...issuer,
    `<div class="title"><h1>Invoice</h1><p class="number">${text(d.number)}</p></div>`,
    '</header>',
  ];
}

function parties(d: InvoiceDocument): string[] {
  const facts = invoiceFacts(d).map(([label, value]) => {
    const cls = label === 'Status' ? ` class="status ${d.status}"` : '';
    return `<dt>${text(label)}</dt><dd${cls}>${text(value)}</dd>`;
  });
  return [
    '<section class="parties">',
    '<div>',
    '<h2>Bill to</h2>',
    `<p class="account">${bidi(d.billTo.accountName)}</p>`,
    `<p class="plan">${bidi(d.billTo.planName)} plan</p>`,
    '</div>',
    `<dl>${facts.join('')}</dl>`,
    '</section>',
  ];
}

/** Cell classes after the description; on a narrow screen the quantity and unit price fold into it. */
const CELL_CLASSES = ['date', 'num qty', 'num unit', 'num amount'] as const;

function table(d: InvoiceDocument): string[] {
  const [description, ...others] = TABLE_HEADINGS;
  const head = [
    `<th scope="col">${text(description)}</th>`,
    ...others.map((h, i) => `<th scope="col" class="${CELL_CLASSES[i]}">${text(h)}</th>`),
  ];
  return [
    '<div class="lines">',
    '<table>',
    `<caption hidden>${text(`Lines of ${documentTitle(d)}`)}</caption>`,
    `<thead><tr>${head.join('')}</tr></thead>`,
    '<tbody>',
    ...d.lines.map((line) => row(line, d.currency)),
    '</tbody>',
    '</table>',
    '</div>',
  ];
}

function row(line: DocumentLine, currency: string): string {
  const total = line.kind === 'charge' || line.kind === 'outstanding';
  const cls = total ? ` class="total ${line.kind}"` : '';
  const perUnit = perUnitText(line, currency);
  const folded = perUnit === null ? '' : `<span class="detail folded">${text(perUnit)}</span>`;
  const detail = line.detail === null ? '' : `<span class="detail">${bidi(line.detail)}</span>`;
  const cells = [
    `<td>${text(line.label)}${folded}${detail}</td>`,
    ...lineCells(line, currency).map((cell, i) => `<td class="${CELL_CLASSES[i]}">${text(cell)}</td>`),
  ];
  return `<tr${cls} data-kind="${line.kind}">${cells.join('')}</tr>`;
}

function payment(d: InvoiceDocument, payUrl: string | undefined): string[] {
  const note = paymentNote(d);
  if (note === null) return [];
  const button =
    payUrl === undefined
      ? []
      : [
          `<form method="post" action="${escapeHtml(payUrl)}">`,
          `<button type="submit" class="pay">${text(`Pay ${formatMoney(d.outstandingCents, d.currency)}`)}</button>`,
          '</form>',
        ];
  return [
    '<section class="pay-note">',
    '<h2>How to pay</h2>',
    `<p>${text(note)}</p>`,
    ...button,
    '</section>',
  ];
}

/** Text for HTML content: on one line, escaped. */
function text(value: string): string {
  return escapeHtml(oneLine(value));
}

function oneLine(value: string): string {
  return value.replace(CONTROL_ALL, ' ');
}

/** User text (names, references) isolated, so right-to-left text cannot reorder what is around it. */
function bidi(value: string): string {
  return `<bdi>${text(value)}</bdi>`;
}

function safeUrl(url: string): string {
  if (!SAFE_URL.test(url)) throw new RangeError(`not a page address: ${JSON.stringify(url.slice(0, 80))}`);
  return url;
}
