import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codesCsv, csvField, invoicesCsv, ledgerCsv, toCsv } from '../../src/domain/csv.js';

/** A small RFC 4180 reader, to check that what is written reads back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('toCsv', () => {
  it('writes the header first and ends every record with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['1', 2],
          [3n, null],
        ],
      ),
    ).toBe('a,b\r\n1,2\r\n3,\r\n');
    expect(toCsv(['a', 'b'], [])).toBe('a,b\r\n');
  });

  it('quotes fields with quotes, commas, CR or LF, doubling quotes', () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('')).toBe('');
  });

  it('defends against formula injection', () => {
    expect(csvField('=HYPERLINK("http://evil.example","x")')).toBe(
      '"\'=HYPERLINK(""http://evil.example"",""x"")"',
    );
    expect(csvField('+1+2')).toBe("'+1+2");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe('"\'\r=1"');
    expect(csvField('＝1+1')).toBe("'＝1+1");
    expect(csvField('a=1')).toBe('a=1');
  });

  it('keeps plain negative numbers numeric', () => {
    expect(csvField('-12.50')).toBe('-12.50');
    expect(csvField('-5')).toBe('-5');
    expect(csvField(-12.5)).toBe('-12.5');
    expect(csvField(-1250n)).toBe('-1250');
    expect(csvField('-12.50x')).toBe("'-12.50x");
    expect(csvField('-')).toBe("'-");
  });

  it('refuses rows of the wrong width and numbers that are not finite', () => {
    expect(() => toCsv(['a', 'b'], [['1']])).toThrow(RangeError);
    expect(() => toCsv(['a'], [[Number.NaN]])).toThrow(RangeError);
  });

  it('property: any text reads back as written, never starting a formula', () => {
    const cell = fc.string({
      unit: fc.constantFrom('a', '=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ' ', '1', '.', 'é'),
    });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { maxLength: 5 }), (rows) => {
        const parsed = parseCsv(toCsv(['x', 'y', 'z'], rows));
        expect(parsed[0]).toEqual(['x', 'y', 'z']);
        expect(parsed).toHaveLength(rows.length + 1);
        rows.forEach((row, r) => {
          row.forEach((value, c) => {
            const read = parsed[r + 1]![c]!;
            if (/^-\d+(?:\.\d+)?$/.test(value)) expect(read).toBe(value);
            else if (/^[=+\-@\t\r]/.test(value)) expect(read).toBe(`'${value}`);
            else expect(read).toBe(value);
            expect(/^[=+@\t\r]/.test(read)).toBe(false);
            if (read.startsWith('-')) expect(read).toMatch(/^-\d+(?:\.\d+)?$/);
          });
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('invoicesCsv', () => {
  const row = {
    number: 'INV-2026-00001',
    accountName: 'Acme, Inc. "East"',
    month: '2026-11',
    planCode: 'plus',
    unitPriceCents: 400n,
    billedDevices: 120,
    coveredDevices: 20,
    billableDevices: 100,
    chargeCents: 40_000n,
    paidFromBalanceCents: 10_000n,
    amountDueCents: 30_000n,
    status: 'due',
    createdAt: new Date('2026-12-01T09:00:00Z'),
  };

  it('writes the header and amounts as exact decimals', () => {
    const csv = invoicesCsv([row], 'USD');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'number,account,month,plan,unit_price,billed_devices,covered_devices,billable_devices,charge,paid_from_balance,amount_due,status,created_at',
    );
    expect(lines[1]).toBe(
      'INV-2026-00001,"Acme, Inc. ""East""",2026-11,plus,4.00,120,20,100,400.00,100.00,300.00,due,2026-12-01T09:00:00.000Z',
    );
    expect(lines[2]).toBe('');
    expect(lines).toHaveLength(3);
  });

  it('keeps the largest amounts exact and defends account names', () => {
    const big = 123_456_789_012_345_678_901n;
    const csv = invoicesCsv(
      [{ ...row, accountName: '=cmd|calc', chargeCents: big, amountDueCents: big }],
      'USD',
    );
    const fields = parseCsv(csv)[1]!;
    expect(fields[1]).toBe("'=cmd|calc");
    expect(fields[8]).toBe('1234567890123456789.01');
    expect(fields[10]).toBe('1234567890123456789.01');
  });

  it('uses the currency’s minor digits', () => {
    expect(parseCsv(invoicesCsv([{ ...row, unitPriceCents: 400n }], 'JPY'))[1]![4]).toBe('400');
  });

  it('is just the header with no invoices', () => {
    expect(invoicesCsv([], 'USD')).toBe(
      'number,account,month,plan,unit_price,billed_devices,covered_devices,billable_devices,charge,paid_from_balance,amount_due,status,created_at\r\n',
    );
  });
});

describe('ledgerCsv', () => {
  it('writes the header, exact amounts, empty reverses and escaped memos', () => {
    const csv = ledgerCsv(
      [
        {
          id: 1,
          createdAt: new Date('2026-11-15T12:00:00Z'),
          idempotencyKey: 'reload:pay_1',
          from: 'payments',
          to: 'wallet:7',
          amountCents: 100_000n,
          reversesId: null,
          actor: 'U0ADMIN1',
          memo: 'Card reload',
        },
        {
          id: 2,
          createdAt: new Date('2026-11-16T12:00:00Z'),
          idempotencyKey: 'adjust:x',
          from: 'wallet:7',
          to: 'adjustments',
          amountCents: 510n,
          reversesId: 1,
          actor: 'U0FIN',
          memo: '-fix, "typo"\n@here',
        },
      ],
      'USD',
    );
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,created_at,key,from,to,amount,reverses,actor,memo');
    expect(lines[1]).toBe(
      '1,2026-11-15T12:00:00.000Z,reload:pay_1,payments,wallet:7,1000.00,,U0ADMIN1,Card reload',
    );
    expect(parseCsv(csv)[2]).toEqual([
      '2',
      '2026-11-16T12:00:00.000Z',
      'adjust:x',
      'wallet:7',
      'adjustments',
      '5.10',
      '1',
      'U0FIN',
      '\'-fix, "typo"\n@here',
    ]);
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});

// Proves: a code note that a spreadsheet would run as a formula is written as text (codes went around toCsv before).
describe('codesCsv', () => {
  it('writes each code with its amount and expiry, and a formula-looking note as text', () => {
    const csv = codesCsv(
      [{ code: 'BAL-AAAA-BBBB-CCCC-DDDD-E' }, { code: 'BAL-FFFF-GGGG-HHHH-JJJJ-K' }],
      {
        amountCents: 5_000n,
        expiresAt: new Date('2027-07-01T04:00:00Z'),
        note: '=HYPERLINK("http://x","pay")',
      },
      'USD',
    );
    expect(csv.split('\r\n')).toEqual([
      'code,amount,expires_at,note',
      `BAL-AAAA-BBBB-CCCC-DDDD-E,50.00,2027-07-01T04:00:00.000Z,"'=HYPERLINK(""http://x"",""pay"")"`,
      `BAL-FFFF-GGGG-HHHH-JJJJ-K,50.00,2027-07-01T04:00:00.000Z,"'=HYPERLINK(""http://x"",""pay"")"`,
      '',
    ]);
    expect(codesCsv([{ code: 'BAL-A' }], { amountCents: 1n }, 'USD')).toBe(
      'code,amount,expires_at,note\r\nBAL-A,0.01,,\r\n',
    );
  });
});
