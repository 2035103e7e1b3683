import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  amountLimits,
  currencySymbol,
  DEVICES,
  describeInput,
  formatMoney,
  MAX_AMOUNT_CENTS,
  MIN_AMOUNT_CENTS,
  MONTHS,
  minorDigits,
  parseAmount,
  parseWholeNumber,
} from '../../src/domain/money.js';
import { escapeMrkdwn } from '../../src/slack/render/mrkdwn-text.js';

const NBSP = '\u00a0';

/** Independent oracle for USD: sign, "$", comma-grouped whole part, two decimals. */
function usdByHand(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+$)/g, ',');
  const fraction = (abs % 100n).toString().padStart(2, '0');
  return `${cents < 0n ? '-' : ''}$${whole}.${fraction}`;
}

function expectError(result: ReturnType<typeof parseAmount>, fragment: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error).toContain(fragment);
}

describe('formatMoney', () => {
  it.each([
    [1152000n, 'USD', '$11,520.00'],
    [120000n, 'USD', '$1,200.00'],
    [-510n, 'USD', '-$5.10'],
    [0n, 'USD', '$0.00'],
    [5n, 'USD', '$0.05'],
    [-5n, 'USD', '-$0.05'],
    [100n, 'USD', '$1.00'],
    [1234n, 'JPY', '¥1,234'],
    [-7n, 'JPY', '-¥7'],
    [1234567n, 'BHD', `BHD${NBSP}1,234.567`],
    [5n, 'BHD', `BHD${NBSP}0.005`],
    [99n, 'EUR', '€0.99'],
  ])('%s %s → %s', (amount, currency, expected) => {
    expect(formatMoney(amount, currency)).toBe(expected);
  });

  it('is exact beyond float precision', () => {
    expect(formatMoney(12345678901234567890123n, 'USD')).toBe('$123,456,789,012,345,678,901.23');
    expect(formatMoney(9007199254740993n, 'USD')).toBe('$90,071,992,547,409.93');
  });

  it('matches a by-hand rendering for any amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), (cents) => {
        expect(formatMoney(cents, 'USD')).toBe(usdByHand(cents));
      }),
    );
  });
});

describe('currency facts', () => {
  it('reads minor digits and symbol from Intl', () => {
    expect([minorDigits('USD'), minorDigits('JPY'), minorDigits('BHD')]).toEqual([2, 0, 3]);
    expect(currencySymbol('USD')).toBe('$');
    expect(currencySymbol('JPY')).toBe('¥');
  });

  it('scales the limits to the currency', () => {
    expect(amountLimits('USD')).toEqual({ min: MIN_AMOUNT_CENTS, max: MAX_AMOUNT_CENTS });
    expect(MIN_AMOUNT_CENTS).toBe(100n);
    expect(MAX_AMOUNT_CENTS).toBe(1_000_000_000n);
    expect(amountLimits('JPY')).toEqual({ min: 1n, max: 10_000_000n });
    expect(amountLimits('BHD')).toEqual({ min: 1000n, max: 10_000_000_000n });
  });
});

describe('parseAmount', () => {
  it.each([
    ['1200', 120000n],
    ['1200.50', 120050n],
    ['1200.5', 120050n],
    ['$1,200.50', 120050n],
    ['1,200', 120000n],
    ['  $1,200.50  ', 120050n],
    ['$ 1200', 120000n],
    ['1', 100n],
    ['1.00', 100n],
    ['10,000,000.00', 1_000_000_000n],
    ['$10000000', 1_000_000_000n],
    ['1,234,567.89', 123456789n],
    ['\t42\n', 4200n],
  ])('accepts %j as %s cents', (text, cents) => {
    expect(parseAmount(text, 'USD')).toEqual({ ok: true, cents });
  });

  it('uses the currency’s own digits and symbol', () => {
    expect(parseAmount('¥1,200', 'JPY')).toEqual({ ok: true, cents: 1200n });
    expect(parseAmount('1.234', 'BHD')).toEqual({ ok: true, cents: 1234n });
    expect(parseAmount(`BHD${NBSP}1,234.5`, 'BHD')).toEqual({ ok: true, cents: 1234500n });
    expect(parseAmount('€5', 'EUR')).toEqual({ ok: true, cents: 500n });
    expectError(parseAmount('$5', 'EUR'), 'is not an amount');
    expectError(parseAmount('1.5', 'JPY'), 'JPY amounts have no decimals');
    expectError(parseAmount('1.2345', 'BHD'), 'at most 3 decimals');
  });

  it('explains what was wrong', () => {
    const usage = 'use digits like 1200 or $1,200.50';
    expect(parseAmount('1e6', 'USD')).toEqual({ ok: false, error: `"1e6" is not an amount — ${usage}` });
    expect(parseAmount('0.99', 'USD')).toEqual({
      ok: false,
      error: 'amounts start at $1.00 ("0.99" is less)',
    });
    expect(parseAmount('10000000.01', 'USD')).toEqual({
      ok: false,
      error: 'amounts go up to $10,000,000.00 ("10000000.01" is more)',
    });
    expect(parseAmount('', 'USD')).toEqual({ ok: false, error: `enter an amount — ${usage}` });
    expect(parseAmount('1.505', 'USD')).toEqual({
      ok: false,
      error: '"1.505" has too many decimals — at most 2 decimals',
    });
    expect(parseAmount('-5', 'USD')).toEqual({ ok: false, error: `"-5" is negative — ${usage}` });
  });

  it.each([
    ['0', 'amounts start at $1.00'],
    ['0.00', 'amounts start at $1.00'],
    ['$-5', 'is negative'],
    ['-$5', 'is negative'],
    ['−5', 'is negative'],
    ['   ', 'enter an amount'],
    ['twelve', 'is not an amount'],
    ['12 hundred', 'is not an amount'],
    ['1,20', 'is not an amount'],
    ['12,00', 'is not an amount'],
    ['1200,00', 'is not an amount'],
    [',100', 'is not an amount'],
    ['0,100', 'is not an amount'],
    ['1.', 'is not an amount'],
    ['.5', 'is not an amount'],
    ['+5', 'is not an amount'],
    ['5$', 'is not an amount'],
    ['$$5', 'is not an amount'],
    ['0x10', 'is not an amount'],
    ['Infinity', 'is not an amount'],
    ['NaN', 'is not an amount'],
    ['١٢٣', 'is not an amount'],
    ['１２', 'is not an amount'],
    ['12\u0000', 'contains control characters'],
    ['1\u202e2', 'contains control characters'],
    ['1'.repeat(41), 'too long'],
    [' '.repeat(30) + '1'.repeat(11), 'too long'],
    ['99999999999999999999', 'amounts go up to'],
  ])('refuses %j (%s)', (text, fragment) => {
    expectError(parseAmount(text, 'USD'), fragment);
  });

  it('reads back every amount it formats, in any currency', () => {
    for (const currency of ['USD', 'JPY', 'BHD', 'EUR']) {
      const { min, max } = amountLimits(currency);
      fc.assert(
        fc.property(fc.bigInt({ min, max }), (cents) => {
          expect(parseAmount(formatMoney(cents, currency), currency)).toEqual({ ok: true, cents });
        }),
      );
    }
  });

  it('reads plain decimal text exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 9_999_999n }),
        fc.integer({ min: 0, max: 99 }),
        (whole, cents) => {
          const text = `${whole}.${String(cents).padStart(2, '0')}`;
          expect(parseAmount(text, 'USD')).toEqual({ ok: true, cents: whole * 100n + BigInt(cents) });
        },
      ),
    );
  });

  it('only ever accepts amounts within the limits, and its error, once rendered, never echoes markup', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[$\d,.\s-]{0,16}$/)), (text) => {
        const result = parseAmount(text, 'USD');
        if (result.ok) {
          expect(result.cents).toBeGreaterThanOrEqual(MIN_AMOUNT_CENTS);
          expect(result.cents).toBeLessThanOrEqual(MAX_AMOUNT_CENTS);
        } else {
          expect(escapeMrkdwn(result.error)).not.toMatch(/[<>]/);
        }
      }),
    );
  });
});

describe('parseWholeNumber', () => {
  it.each([
    ['1', 1],
    ['120', 120],
    [' 120 ', 120],
    ['1,000', 1000],
    ['1000000', 1_000_000],
    ['1,000,000', 1_000_000],
    ['007', 7],
  ])('accepts %j as %s devices', (text, value) => {
    expect(parseWholeNumber(text, DEVICES)).toEqual({ ok: true, value });
  });

  it('says the rule and echoes the input', () => {
    expect(parseWholeNumber('2.5', DEVICES)).toEqual({
      ok: false,
      error: 'devices must be a whole number from 1 to 1,000,000 ("2.5" is not)',
    });
    expect(parseWholeNumber('121', MONTHS)).toEqual({
      ok: false,
      error: 'months must be a whole number from 1 to 120 ("121" is not)',
    });
    expect(parseWholeNumber('', MONTHS)).toEqual({
      ok: false,
      error: 'months must be a whole number from 1 to 120',
    });
  });

  it.each([
    '0',
    '-1',
    '+1',
    '1e3',
    '1.0',
    '2.5',
    '1000001',
    '1,000,001',
    '10,00',
    '1,0000',
    ',100',
    'ten',
    '0x10',
    '1 000',
    '1_000',
    '１２',
    '1\u00002',
    '0000000000001',
    '999999999999999999999',
    'Infinity',
  ])('refuses %j', (text) => {
    expect(parseWholeNumber(text, DEVICES).ok).toBe(false);
  });

  it('accepts exactly the numbers in range, plain or grouped', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 2_000_000 }), (n) => {
        const inRange = n >= DEVICES.min && n <= DEVICES.max;
        const expected = inRange ? { ok: true, value: n } : { ok: false };
        expect(parseWholeNumber(String(n), DEVICES)).toMatchObject(expected);
        expect(parseWholeNumber(n.toLocaleString('en-US'), DEVICES)).toMatchObject(expected);
      }),
    );
  });

  it('has the spec’s limits', () => {
    expect(DEVICES).toEqual({ min: 1, max: 1_000_000, what: 'devices' });
    expect(MONTHS).toEqual({ min: 1, max: 120, what: 'months' });
  });
});

describe('describeInput', () => {
  it('shows control characters as ?', () => {
    expect(describeInput('1\n2\t3\u00004\u202e5')).toBe('1?2?3?4?5');
  });

  it('cuts long input to 40 characters ending in …', () => {
    expect(describeInput('x'.repeat(40))).toBe('x'.repeat(40));
    expect(describeInput('x'.repeat(41))).toBe(`${'x'.repeat(39)}…`);
    expect(describeInput('😀'.repeat(41))).toBe(`${'😀'.repeat(39)}…`);
  });

  it('never lets control characters through, and stays short', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const shown = describeInput(text);
        expect(shown).not.toMatch(/[\p{Cc}\p{Cf}]/u);
        expect(Array.from(shown).length).toBeLessThanOrEqual(40);
      }),
    );
  });
});
