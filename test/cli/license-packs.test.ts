import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLicensePackCsv } from '../../src/cli/license-packs.js';
import { generateCode } from '../../src/domain/code-format.js';
import { runCli } from '../support/cli.js';

describe('license pack CSV', () => {
  const plans = ['standard', 'plus'];
  const good = [generateCode('license_pack'), generateCode('license_pack')];

  it('reads a good file', () => {
    const csv = `code,devices,months,plan\n${good[0]},50,12,standard\n${good[1]!.toLowerCase()}, 10 ,24,Plus\n`;
    expect(parseLicensePackCsv(csv, plans)).toEqual({
      rows: [
        { line: 2, code: good[0], devices: 50, months: 12, planCode: 'standard' },
        { line: 3, code: good[1]!.toLowerCase(), devices: 10, months: 24, planCode: 'plus' },
      ],
      errors: [],
    });
  });

  it('names every bad row by its line and returns no rows at all', () => {
    const csv = [
      'code,devices,months,plan',
      `${good[0]},50,12,standard`,
      `${good[1]},0,12,standard`,
      `${generateCode('balance')},5,12,standard`,
      `${good[0]},5,121,standard`,
      `${good[0]},5,12,gold`,
      'just,three,cells',
    ].join('\n');
    const { rows, errors } = parseLicensePackCsv(csv, plans);
    expect(rows).toEqual([]);
    expect(errors).toEqual([
      'line 3: devices must be a whole number from 1 to 1,000,000 ("0" is not)',
      'line 4: the code is not a license pack code (LP-XXXX-XXXX-XXXX-XXXX-X)',
      'line 5: months must be a whole number from 1 to 120 ("121" is not)',
      'line 6: plan "gold" does not exist (plans: standard, plus)',
      'line 7: expected 4 values (code,devices,months,plan), found 3',
    ]);
  });

  it('refuses a file without the header', () => {
    expect(parseLicensePackCsv(`${good[0]},50,12,standard\n`, plans).errors).toEqual([
      'line 1: the header must be "code,devices,months,plan"',
    ]);
  });
});

describe('balance license-packs import', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'balance-packs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a good file, then refuses the same codes again and a file with a bad row, importing nothing', async () => {
    const env = { DATABASE_URL: `pglite://${join(dir, 'pglite')}` };
    const codes = [generateCode('license_pack'), generateCode('license_pack')];
    const file = join(dir, 'packs.csv');
    writeFileSync(file, `code,devices,months,plan\n${codes[0]},50,12,standard\n${codes[1]},10,24,plus\n`);
    const first = await runCli(['license-packs', 'import', file], env);
    expect(first.stdout).toContain(`imported 2 license pack codes from ${file}`);
    expect(first.code).toBe(0);

    const again = await runCli(['license-packs', 'import', file], env);
    expect(again.stderr).toContain('line 2: this code was imported or issued before');
    expect(again.code).toBe(1);

    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      `code,devices,months,plan\n${generateCode('license_pack')},5,12,standard\n${generateCode('license_pack')},-3,12,standard\n`,
    );
    const refused = await runCli(['license-packs', 'import', bad], env);
    expect(refused.stderr).toContain('line 3: devices');
    expect(refused.stderr).toContain('nothing imported');
    expect(refused.code).toBe(1);
    // No output ever shows a full code.
    expect(`${first.stdout}${first.stderr}${again.stderr}${refused.stderr}`).not.toMatch(/LP-(\w{4}-){4}\w/);
  });
});
