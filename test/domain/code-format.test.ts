import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  type CodeKind,
  checkCharacter,
  codeHash,
  formatCode,
  generateCode,
  isValidBody,
  last4Of,
  parseCode,
  parseLast4,
} from '../../src/domain/code-format.js';

const SHAPE = {
  balance: /^BAL-([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]$/,
  license_pack: /^LP-([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]$/,
} as const;
const KINDS: CodeKind[] = ['balance', 'license_pack'];

/** The 17 canonical characters of a display-form code. */
const bodyOf = (code: string) => code.replace(/^(BAL|LP)-/, '').replaceAll('-', '');
const withBody = (kind: CodeKind, chars: string[]) => formatCode(kind, chars.join(''));

const arbData16 = fc
  .array(fc.constantFrom(...CODE_ALPHABET), { minLength: 16, maxLength: 16 })
  .map((chars) => chars.join(''));
const arbBody17 = arbData16.map((data) => data + checkCharacter(data));
const arbKind = fc.constantFrom<CodeKind>(...KINDS);

describe('generateCode', () => {
  it.each(KINDS)('has the display shape for %s', (kind) => {
    for (let i = 0; i < 200; i++) {
      const code = generateCode(kind);
      expect(code).toMatch(SHAPE[kind]);
      const body = bodyOf(code);
      expect(body).toHaveLength(17);
      for (const ch of body) expect(CODE_ALPHABET).toContain(ch);
      expect(isValidBody(body)).toBe(true);
    }
  });

  it('gives 1,000 distinct codes that use the whole alphabet', () => {
    const codes = new Set<string>();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const code = generateCode('balance');
      codes.add(code);
      for (const ch of bodyOf(code).slice(0, 16)) seen.add(ch);
    }
    expect(codes.size).toBe(1000);
    expect(seen.size).toBe(32);
  });

  it('turns each 5 bits of randomBytes(10) into one character, most significant first', () => {
    const zeros = generateCode('balance', () => new Uint8Array(10));
    expect(zeros).toBe('BAL-0000-0000-0000-0000-0');
    const ones = generateCode('license_pack', () => new Uint8Array(10).fill(0xff));
    expect(bodyOf(ones).slice(0, 16)).toBe('Z'.repeat(16));
    // 0x08 0x86 0x42 0x98 0xE8 = 00001 00010 00011 00100 00101 00110 00111 01000
    const bytes = new Uint8Array([0x08, 0x86, 0x42, 0x98, 0xe8, 0x08, 0x86, 0x42, 0x98, 0xe8]);
    expect(bodyOf(generateCode('balance', () => bytes)).slice(0, 16)).toBe('1234567812345678');
    let asked = 0;
    generateCode('balance', (n) => {
      asked = n;
      return new Uint8Array(n);
    });
    expect(asked).toBe(10);
  });
});

describe('formatCode and last4Of', () => {
  it('groups 17 characters behind the prefix', () => {
    const body = '0123456789ABCDEFG';
    expect(formatCode('balance', body)).toBe('BAL-0123-4567-89AB-CDEF-G');
    expect(formatCode('license_pack', body)).toBe('LP-0123-4567-89AB-CDEF-G');
    expect(last4Of(body)).toBe('DEFG');
  });

  it('rejects bodies that are not 17 alphabet characters', () => {
    expect(() => formatCode('balance', '0123456789ABCDEF')).toThrow(RangeError);
    expect(() => formatCode('balance', '0123456789ABCDEFU')).toThrow(RangeError);
    expect(() => formatCode('balance', '0123456789abcdefg')).toThrow(RangeError);
    expect(() => last4Of('ABC')).toThrow(RangeError);
    expect(() => checkCharacter('0123456789ABCDE')).toThrow(RangeError);
  });
});

describe('parseCode', () => {
  it('round-trips generated codes of both kinds', () => {
    for (const kind of KINDS) {
      for (let i = 0; i < 200; i++) {
        const code = generateCode(kind);
        const body = bodyOf(code);
        expect(parseCode(code)).toEqual({
          ok: true,
          kind,
          body: body.slice(0, 16),
          check: body.slice(16),
          last4: body.slice(13),
        });
        expect(formatCode(kind, body)).toBe(code);
      }
    }
  });

  it('reads leniently (property)', () => {
    fc.assert(
      fc.property(arbKind, arbBody17, fc.boolean(), fc.boolean(), (kind, body, lower, dropPrefix) => {
        const code = formatCode(kind, body);
        let typed = dropPrefix ? code.replace(/^(BAL|LP)-/, '') : code;
        if (lower) typed = typed.toLowerCase();
        const expected = {
          ok: true,
          kind: dropPrefix ? null : kind,
          body: body.slice(0, 16),
          check: body.slice(16),
          last4: body.slice(13),
        };
        for (const variant of [
          typed,
          typed.replaceAll('-', ' '),
          typed.replaceAll('-', ''),
          typed.replaceAll('-', '–'),
          typed.replaceAll('-', '—'),
          typed.replaceAll('-', '_'),
          typed.replaceAll('-', '.'),
          `  ${typed.replaceAll('-', ' - ')}\t\n`,
          typed.replaceAll('0', 'O').replaceAll('1', lower ? 'l' : 'I'),
          typed.replaceAll('1', 'L'),
          typed.replaceAll('0', 'o').replaceAll('1', 'i'),
        ]) {
          expect(parseCode(variant)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles specific lenient spellings', () => {
    const body = `${'7K3M'}ABCD0011EFGH`;
    const body17 = body + checkCharacter(body);
    const c = body17[16]!;
    const lp = parseCode(`lp7k3m abcd ooil efgh ${c.toLowerCase()}`);
    expect(lp).toMatchObject({ ok: true, kind: 'license_pack', body });
    expect(parseCode(`bal7k3mabcdOOILefgh${c}`)).toMatchObject({ ok: true, kind: 'balance', body });
    expect(parseCode(`7K3M-ABCD-0011-EFGH-${c}`)).toMatchObject({ ok: true, kind: null, body });
    expect(parseCode(`B A L – 7K3M — ABCD_0011.EFGH ${c}`)).toMatchObject({
      ok: true,
      kind: 'balance',
      body,
    });
  });

  it('reads a leading L or 1 as data, not as a prefix, when no prefix was typed', () => {
    // A body starting with "1P" typed as "LP…" (17 characters) is not an LP code with 15 characters.
    const data = `1P${'2'.repeat(14)}`;
    const body17 = data + checkCharacter(data);
    const typed = `LP${body17.slice(2)}`;
    expect(parseCode(typed)).toMatchObject({ ok: true, kind: null, body: data });
    expect(parseCode(`LP-${typed}`)).toMatchObject({ ok: true, kind: 'license_pack', body: data });
    // Likewise "BA1…" typed as "BAL…".
    const data2 = `BA1${'Z'.repeat(13)}`;
    const body2 = data2 + checkCharacter(data2);
    expect(parseCode(`BAL${body2.slice(3)}`)).toMatchObject({ ok: true, kind: null, body: data2 });
  });

  it('reports every single-character substitution as mistyped (exhaustive, 17 positions × 31 characters)', () => {
    const codes = [
      ...Array.from({ length: 6 }, (_, i) => generateCode(KINDS[i % 2]!)),
      formatCode('balance', `${'0'.repeat(16)}0`),
      formatCode('balance', 'Z'.repeat(16) + checkCharacter('Z'.repeat(16))),
    ];
    let tried = 0;
    for (const code of codes) {
      const kind: CodeKind = code.startsWith('LP') ? 'license_pack' : 'balance';
      const chars = [...bodyOf(code)];
      for (let pos = 0; pos < 17; pos++) {
        for (const replacement of CODE_ALPHABET) {
          if (replacement === chars[pos]) continue;
          const changed = [...chars];
          changed[pos] = replacement;
          expect(parseCode(withBody(kind, changed))).toEqual({ ok: false, reason: 'mistyped' });
          tried++;
        }
      }
    }
    expect(tried).toBe(codes.length * 17 * 31);
  });

  it('reports every adjacent transposition as mistyped (random codes, incl. data[15] ↔ check)', () => {
    for (let n = 0; n < 50; n++) {
      const kind = KINDS[n % 2]!;
      const chars = [...bodyOf(generateCode(kind))];
      for (let pos = 0; pos < 16; pos++) {
        if (chars[pos] === chars[pos + 1]) continue;
        const swapped = [...chars];
        [swapped[pos], swapped[pos + 1]] = [chars[pos + 1]!, chars[pos]!];
        expect(parseCode(withBody(kind, swapped))).toEqual({ ok: false, reason: 'mistyped' });
      }
    }
  });

  it('reports every adjacent transposition of every character pair as mistyped (exhaustive)', () => {
    const filler = [...'7K3MABCD0011EFGH'];
    // Positions 0..14: choose both data characters freely, then compute the check.
    for (let pos = 0; pos < 15; pos++) {
      for (const a of CODE_ALPHABET) {
        for (const b of CODE_ALPHABET) {
          if (a === b) continue;
          const data = [...filler];
          data[pos] = a;
          data[pos + 1] = b;
          const body = [...data, checkCharacter(data.join(''))];
          [body[pos], body[pos + 1]] = [b, a];
          expect(parseCode(body.join(''))).toEqual({ ok: false, reason: 'mistyped' });
        }
      }
    }
    // Position 15 (last data character ↔ check): every last data character, over several fillers.
    for (const prefix of ['7K3MABCD0011EFG', '000000000000000', 'ZZZZZZZZZZZZZZZ', 'QRSTVWXYZ012345']) {
      for (const a of CODE_ALPHABET) {
        const data = prefix + a;
        const check = checkCharacter(data);
        if (check === a) continue;
        expect(parseCode(`${prefix}${check}${a}`)).toEqual({ ok: false, reason: 'mistyped' });
      }
    }
  });

  it('detects substitutions and neighbour swaps (property)', () => {
    fc.assert(
      fc.property(
        arbKind,
        arbBody17,
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 31 }),
        (kind, body, pos, shift) => {
          const chars = [...body];
          const sub = [...chars];
          sub[pos] = CODE_ALPHABET[(CODE_ALPHABET.indexOf(chars[pos]!) + shift) % 32]!;
          expect(parseCode(withBody(kind, sub))).toEqual({ ok: false, reason: 'mistyped' });
          if (pos < 16 && chars[pos] !== chars[pos + 1]) {
            const swapped = [...chars];
            [swapped[pos], swapped[pos + 1]] = [chars[pos + 1]!, chars[pos]!];
            expect(parseCode(withBody(kind, swapped))).toEqual({ ok: false, reason: 'mistyped' });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('calls malformed input malformed', () => {
    const code = generateCode('balance');
    const body = bodyOf(code);
    for (const input of [
      '',
      '   ',
      'BAL-',
      'BAL',
      'LP',
      code.slice(0, -1), // too short
      `${code}0`, // too long
      `${body}0`,
      body.slice(1),
      `BAL-${body.slice(0, 15)}U${body.slice(16)}`, // U is not in the alphabet
      `${body.slice(0, 4)}🙂${body.slice(4, 16)}`,
      `${body.slice(0, 16)}🙂`,
      `${body}🙂`,
      `XY-${code.slice(4)}`,
      `BAL-${'0'.repeat(76)}`, // 80 characters, but 76 of them
      `${code}${' '.repeat(81 - code.length)}`, // 81 characters
      `${' '.repeat(64)}${code}`,
      '0'.repeat(81),
      'x'.repeat(10_000),
      'ÄBCDEFGHJKMNPQRST',
      'ıBCDEFGHJKMNPQRST', // dotless i is not I
      'ﬀBCDEFGHJKMNPQRST',
    ]) {
      expect(parseCode(input), JSON.stringify(input)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('reads an 80-character input with lots of spacing', () => {
    const code = generateCode('license_pack');
    const padded = code.padEnd(80, ' ');
    expect(padded).toHaveLength(80);
    expect(parseCode(padded)).toMatchObject({ ok: true, kind: 'license_pack' });
  });
});

describe('codeHash', () => {
  it('is a deterministic 64-hex HMAC of the data characters', () => {
    const data = 'ABCDEFGHJKMNPQRS';
    const h = codeHash('secret-1', data);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(codeHash('secret-1', data)).toBe(h);
    expect(codeHash('secret-2', data)).not.toBe(h);
    expect(codeHash('secret-1', 'ABCDEFGHJKMNPQRT')).not.toBe(h);
    // Pinned against `printf 0000000000000000 | openssl dgst -sha256 -hmac key`.
    expect(codeHash('key', '0000000000000000')).toBe(
      '0ff767390434408f67054e061fde1aa0b6156ac48014b1df7bf7f80d8f1d3532',
    );
  });

  it('ignores the prefix, the check and the spelling of the code', () => {
    const code = generateCode('balance');
    const body = bodyOf(code);
    const asPack = formatCode('license_pack', body);
    const parsed = [code, asPack, body, code.toLowerCase().replaceAll('-', ' ')].map((c) => parseCode(c));
    const hashes = parsed.map((p) => {
      if (!p.ok) throw new Error('expected a valid code');
      return codeHash('s', p.body);
    });
    expect(new Set(hashes).size).toBe(1);
    expect(hashes[0]).toBe(codeHash('s', body.slice(0, 16)));
  });

  it('differs for different bodies (property)', () => {
    fc.assert(
      fc.property(arbData16, arbData16, (a, b) => {
        fc.pre(a !== b);
        expect(codeHash('k', a)).not.toBe(codeHash('k', b));
      }),
    );
  });

  it('only takes 16 canonical data characters', () => {
    expect(() => codeHash('k', 'BAL-ABCD-EFGH-JKMN-PQRS-T')).toThrow(RangeError);
    expect(() => codeHash('k', 'ABCDEFGHJKMNPQRST')).toThrow(RangeError);
    expect(() => codeHash('k', 'abcdefghjkmnpqrs')).toThrow(RangeError);
  });
});

describe('parseLast4', () => {
  it('reads the last 4 characters of a code leniently, and nothing else', () => {
    expect(parseLast4('7k3m')).toBe('7K3M');
    expect(parseLast4('o1-l9')).toBe('0119');
    expect(parseLast4(' 1 2 3 4 ')).toBe('1234');
    for (const bad of ['123', '12345', 'UUUU', '12€4', '']) expect(parseLast4(bad)).toBeNull();
  });
});
