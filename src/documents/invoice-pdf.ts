// The invoice as a PDF (SPEC §17), drawn with PDFKit: real, searchable text in an embedded DejaVu Sans (it covers
// Latin, Greek and Cyrillic, `$`, `×`, `–`), one page unless the settlements need more. The same document gives
// the same bytes: the metadata's dates are the invoice's own (issued, last changed), PDFKit derives the file /ID
// from that metadata (an MD5 of the info dictionary), and nothing else in the output depends on the clock or on
// chance. Pure apart from reading and parsing the two font files once per process, at the first document.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Font } from 'fontkit';
import type { DocumentLine, InvoiceDocument } from '../app/invoice-document.js';
import { decimalAmount } from '../domain/money.js';
import {
  dateText,
  documentTitle,
  invoiceFacts,
  lineCells,
  paymentNote,
  STATUS_LABELS,
  statusStatement,
  TABLE_HEADINGS,
} from './invoice-text.js';

export interface InvoicePdfOptions {
  /** The hosted page's address, printed (and linked) with the payment note while something is outstanding. */
  pageUrl?: string;
}

const REGULAR = 'DejaVuSans';
const BOLD = 'DejaVuSans-Bold';
/** Shown for a character the font has no glyph for (CJK, emoji): visible, and read back as itself by a reader. */
const MISSING_GLYPH = '?';
// Controls, invisible format characters and line separators: a space, so text stays on its line.
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** Any one piece of text is cut here (with `…`), so every table row fits on a page. */
const MAX_TEXT_CHARS = 400;

// US Letter, 3/4 inch margins.
const PAGE = { width: 612, height: 792, margin: 54 } as const;
const RIGHT = PAGE.width - PAGE.margin;
const CONTENT_WIDTH = RIGHT - PAGE.margin;
/** The footer sits in the bottom margin; the body stops above it. */
const BODY_BOTTOM = PAGE.height - PAGE.margin;
const FOOTER_Y = PAGE.height - PAGE.margin / 2 - 4;

const COLOURS = {
  text: '#1d1c1d',
  muted: '#616061',
  rule: '#dddddd',
  band: '#f4f5f7',
  link: '#1264a3',
  status: { paid: '#007a5a', due: '#1d1c1d', overdue: '#b3261e', written_off: '#616061' },
} as const;

type Align = 'left' | 'right';
/** The table's columns: x and width, and how each aligns (Description, Date, Qty, Unit price, Amount). */
const COLUMNS: Array<{ x: number; width: number; align: Align }> = [
  { x: PAGE.margin, width: 226, align: 'left' },
  { x: PAGE.margin + 232, width: 96, align: 'left' },
  { x: PAGE.margin + 328, width: 44, align: 'right' },
  { x: PAGE.margin + 378, width: 56, align: 'right' },
  { x: PAGE.margin + 434, width: CONTENT_WIDTH - 434, align: 'right' },
];
const ROW_PADDING = 5;

interface Fonts {
  PDFDocument: typeof import('pdfkit');
  /** The two faces for one document, sharing the parsed tables of the process's faces (see `forDocument`). */
  faces(): { regular: Font; bold: Font };
  /** Whether both faces draw this character. */
  covers(char: string): boolean;
}

let fonts: Promise<Fonts> | undefined;

/** PDFKit, fontkit and the parsed fonts, loaded at the first document: not at start, where importing the two alone
 * added ~26 MiB to the idle process. */
function loadFonts(): Promise<Fonts> {
  fonts ??= parseFonts().catch((err: unknown) => {
    fonts = undefined;
    throw err;
  });
  return fonts;
}

async function parseFonts(): Promise<Fonts> {
  const [fontkit, { default: PDFDocument }] = await Promise.all([import('fontkit'), import('pdfkit')]);
  const resolve = createRequire(import.meta.url).resolve;
  const open = async (name: string): Promise<Font> => {
    const face = fontkit.create(await readFile(resolve(`dejavu-fonts-ttf/ttf/${name}.ttf`)));
    if (!('hasGlyphForCodePoint' in face)) throw new Error('the invoice font is a collection, not one face');
    return face;
  };
  const [regular, bold] = await Promise.all([open(REGULAR), open(BOLD)]);
  const known = new Map<string, boolean>();
  const covers = (char: string) => {
    let yes = known.get(char);
    if (yes === undefined) {
      const codePoint = char.codePointAt(0)!;
      yes = regular.hasGlyphForCodePoint(codePoint) && bold.hasGlyphForCodePoint(codePoint);
      known.set(char, yes);
    }
    return yes;
  };
  return { PDFDocument, faces: () => ({ regular: forDocument(regular), bold: forDocument(bold) }), covers };
}

/**
 * A face for one document: the process's parsed face (its tables, the costly part) with a glyph cache of its own.
 * fontkit keeps a glyph with the characters it was first reached by, and PDFKit maps a glyph back to text by them:
 * shared, the text a document reads back as (`ﬁ` or `fi`) would depend on the documents rendered before it.
 * `_glyphs` is fontkit's own cache (test/documents/invoice-pdf.test.ts fails if it stops being the one). The
 * process's faces are never laid out, so each document's face builds a layout engine of its own, bound to itself.
 */
function forDocument(face: Font): Font {
  return Object.create(face, { _glyphs: { value: {} } }) as Font;
}

/** Text as the PDF can show it: on one line, every character drawn (or a visible `?`), of a bounded length. */
function printable(text: string, f: Fonts): string {
  const chars = Array.from(text);
  const kept = chars.length > MAX_TEXT_CHARS ? [...chars.slice(0, MAX_TEXT_CHARS - 1), '…'] : chars;
  return kept.map((char) => (CONTROL.test(char) ? ' ' : f.covers(char) ? char : MISSING_GLYPH)).join('');
}

/** Renders the document; the same document and options always give the same bytes. */
export async function invoicePdf(d: InvoiceDocument, options: InvoicePdfOptions = {}): Promise<Buffer> {
  const f = await loadFonts();
  const pdf = new f.PDFDocument({
    size: [PAGE.width, PAGE.height],
    margin: PAGE.margin,
    bufferPages: true,
    displayTitle: true,
    lang: 'en-US',
    info: {
      Title: documentTitle(d),
      Author: d.issuer?.name ?? '',
      Subject: `${documentTitle(d)} to ${d.billTo.accountName}, ${d.billingMonth}`,
      // The state is in the info, so the file /ID PDFKit derives from it changes with the state.
      Keywords: `${d.number}, ${d.billingMonth}, ${d.status}, outstanding ${decimalAmount(d.outstandingCents, d.currency)} ${d.currency}`,
      Creator: 'Balance',
      Producer: 'Balance (PDFKit)',
      CreationDate: d.issuedAt,
      ModDate: d.changedAt,
    },
  });
  const done = collect(pdf);
  // PDFKit takes a parsed fontkit face as well as the file's bytes (its typings name only the latter).
  const faces = f.faces();
  pdf.registerFont(REGULAR, faces.regular as unknown as Buffer);
  pdf.registerFont(BOLD, faces.bold as unknown as Buffer);
  const page = new Page(pdf, f);

  page.header(d);
  page.parties(d);
  page.statement(d);
  page.table(d);
  const note = paymentNote(d);
  if (note !== null) page.note(note, options.pageUrl);
  page.footers(d);
  pdf.end();
  return done;
}

function collect(pdf: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}

type TextStyle = { font?: typeof REGULAR | typeof BOLD; size?: number; colour?: string };

/** The drawing state: where the next block goes, and a new page when it does not fit. */
class Page {
  private y: number = PAGE.margin;

  constructor(
    private readonly pdf: PDFKit.PDFDocument,
    private readonly fonts: Fonts,
  ) {}

  header(d: InvoiceDocument): void {
    const top = this.y;
    let left = top;
    if (d.issuer) {
      left += this.text(d.issuer.name, PAGE.margin, left, 300, { font: BOLD, size: 13 });
      for (const line of d.issuer.addressLines) {
        left += this.text(line, PAGE.margin, left + 2, 300, { size: 9.5, colour: COLOURS.muted }) + 2;
      }
    }
    let right = top + this.text('INVOICE', RIGHT - 200, top, 200, { font: BOLD, size: 22 }, 'right');
    right += this.text(d.number, RIGHT - 200, right + 2, 200, { size: 11, colour: COLOURS.muted }, 'right');
    this.y = Math.max(left, right) + 28;
  }

  /** Bill to on the left, the invoice's facts on the right. */
  parties(d: InvoiceDocument): void {
    const top = this.y;
    let left =
      top + this.text('BILL TO', PAGE.margin, top, 240, { font: BOLD, size: 8, colour: COLOURS.muted });
    left += this.text(d.billTo.accountName, PAGE.margin, left + 4, 240, { font: BOLD, size: 12 }) + 4;
    left += this.text(`${d.billTo.planName} plan`, PAGE.margin, left + 2, 240, {
      size: 9.5,
      colour: COLOURS.muted,
    });

    const labelX = PAGE.margin + 284;
    const valueWidth = RIGHT - labelX - 84;
    let right = top;
    for (const [label, value] of invoiceFacts(d)) {
      const colour = label === 'Status' ? COLOURS.status[d.status] : COLOURS.text;
      const font = label === 'Status' ? BOLD : REGULAR;
      this.text(label, labelX, right, 84, { size: 9, colour: COLOURS.muted });
      right +=
        this.text(value, RIGHT - valueWidth, right, valueWidth, { font, size: 9.5, colour }, 'right') + 3;
    }
    this.y = Math.max(left, right) + 20;
  }

  /** Where the invoice stands, in a shaded band. */
  statement(d: InvoiceDocument): void {
    const text = statusStatement(d);
    const style: TextStyle = { font: BOLD, size: 10.5, colour: COLOURS.status[d.status] };
    const height = this.measure(text, CONTENT_WIDTH - 24, style) + 16;
    this.pdf.rect(PAGE.margin, this.y, CONTENT_WIDTH, height).fill(COLOURS.band);
    this.text(text, PAGE.margin + 12, this.y + 8, CONTENT_WIDTH - 24, style);
    this.y += height + 22;
  }

  table(d: InvoiceDocument): void {
    this.tableHeading(false);
    for (const line of d.lines) this.row(line, d.currency);
  }

  private tableHeading(continued: boolean): void {
    const style: TextStyle = { font: BOLD, size: 8, colour: COLOURS.muted };
    TABLE_HEADINGS.forEach((heading, i) => {
      const column = COLUMNS[i]!;
      const text = i === 0 && continued ? `${heading.toUpperCase()} (CONTINUED)` : heading.toUpperCase();
      this.text(text, column.x, this.y, column.width, style, column.align);
    });
    this.y += this.measure('X', 100, style) + 4;
    this.rule(0.75, COLOURS.muted);
  }

  private row(line: DocumentLine, currency: string): void {
    const total = line.kind === 'charge' || line.kind === 'outstanding';
    const main: TextStyle = {
      font: total ? BOLD : REGULAR,
      size: line.kind === 'outstanding' ? 12 : 9.5,
    };
    const detail: TextStyle = { size: 8.5, colour: COLOURS.muted };
    const [first, ...rest] = COLUMNS as [(typeof COLUMNS)[0], ...typeof COLUMNS];
    const label = this.measure(line.label, first.width, main);
    const detailHeight = line.detail === null ? 0 : this.measure(line.detail, first.width, detail) + 2;
    const height = label + detailHeight + 2 * ROW_PADDING;
    this.ensureRoom(height, true);

    if (total) this.rule(line.kind === 'outstanding' ? 1.5 : 0.75, COLOURS.text);
    if (line.kind === 'outstanding')
      this.pdf.rect(PAGE.margin, this.y, CONTENT_WIDTH, height).fill(COLOURS.band);
    const top = this.y + ROW_PADDING;
    this.text(line.label, first.x, top, first.width, main);
    if (line.detail !== null) this.text(line.detail, first.x, top + label + 2, first.width, detail);
    lineCells(line, currency).forEach((cell, i) => {
      const column = rest[i]!;
      this.text(
        cell,
        column.x,
        top,
        column.width,
        { ...main, size: i === 3 ? main.size : 9.5 },
        column.align,
      );
    });
    this.y += height;
    if (!total) this.rule(0.5, COLOURS.rule);
  }

  note(text: string, pageUrl: string | undefined): void {
    const heading: TextStyle = { font: BOLD, size: 10 };
    const body: TextStyle = { size: 9.5 };
    const urlHeight = pageUrl === undefined ? 0 : this.measure(pageUrl, CONTENT_WIDTH, body) + 4;
    this.ensureRoom(24 + this.measure(text, CONTENT_WIDTH, body) + urlHeight, false);
    this.y += 24;
    this.y += this.text('How to pay', PAGE.margin, this.y, CONTENT_WIDTH, heading) + 4;
    this.y += this.text(text, PAGE.margin, this.y, CONTENT_WIDTH, body);
    if (pageUrl !== undefined) {
      this.style({ ...body, colour: COLOURS.link });
      const shown = printable(pageUrl, this.fonts);
      this.pdf.text(shown, PAGE.margin, this.y + 4, { width: CONTENT_WIDTH, link: pageUrl, underline: true });
      this.y += this.pdf.heightOfString(shown, { width: CONTENT_WIDTH }) + 4;
    }
  }

  /** `INV-… · Page n of m` at the foot of every page, drawn once all pages exist. */
  footers(d: InvoiceDocument): void {
    const { start, count } = this.pdf.bufferedPageRange();
    for (let i = start; i < start + count; i++) {
      this.pdf.switchToPage(i);
      // Drawing in the bottom margin would otherwise start a new page.
      this.pdf.page.margins.bottom = 0;
      const issued = `Issued ${dateText(d.issueDate)} · ${STATUS_LABELS[d.status]}`;
      const text = `${documentTitle(d)} · ${issued} · Page ${i - start + 1} of ${count}`;
      this.text(text, PAGE.margin, FOOTER_Y, CONTENT_WIDTH, { size: 7.5, colour: COLOURS.muted }, 'right');
      this.pdf.page.margins.bottom = PAGE.margin;
    }
  }

  /** Starts a new page when `height` does not fit above the footer. */
  private ensureRoom(height: number, inTable: boolean): void {
    if (this.y + height <= BODY_BOTTOM) return;
    this.pdf.addPage();
    this.y = PAGE.margin;
    if (inTable) this.tableHeading(true);
  }

  private rule(width: number, colour: string): void {
    this.pdf.moveTo(PAGE.margin, this.y).lineTo(RIGHT, this.y).lineWidth(width).strokeColor(colour).stroke();
  }

  /** Draws text in a box; returns its height. */
  private text(
    text: string,
    x: number,
    y: number,
    width: number,
    style: TextStyle,
    align: Align = 'left',
  ): number {
    this.style(style);
    const shown = printable(text, this.fonts);
    this.pdf.text(shown, x, y, { width, align, lineGap: 1 });
    return this.pdf.heightOfString(shown, { width, lineGap: 1 });
  }

  private measure(text: string, width: number, style: TextStyle): number {
    this.style(style);
    return this.pdf.heightOfString(printable(text, this.fonts), { width, lineGap: 1 });
  }

  private style({ font = REGULAR, size = 9.5, colour = COLOURS.text }: TextStyle): void {
    this.pdf.font(font).fontSize(size).fillColor(colour);
  }
}
