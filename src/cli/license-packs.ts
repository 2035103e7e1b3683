import { z } from 'zod';
import { wholeNumber } from '../app/command-args.js';
import { parseCode } from '../domain/code-format.js';
import { DEVICES, MONTHS } from '../domain/money.js';
import { PLAN_CODE } from '../domain/pricing.js';
import type { LicensePackRow } from '../services/codes.js';

const HEADER = 'code,devices,months,plan';

const Row = z.object({
  code: z.string().refine((text) => {
    const parsed = parseCode(text);
    return parsed.ok && parsed.kind !== 'balance';
  }, 'the code is not a license pack code (LP-XXXX-XXXX-XXXX-XXXX-X)'),
  devices: wholeNumber(DEVICES),
  months: wholeNumber(MONTHS),
  plan: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.string().regex(PLAN_CODE, 'the plan is not a plan name')),
});

/**
 * Reads `code,devices,months,plan` rows. Every bad row is reported with its line number, and when there is any,
 * no row is returned: an import is all or nothing.
 */
export function parseLicensePackCsv(
  text: string,
  knownPlans: string[],
): { rows: LicensePackRow[]; errors: string[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if ((lines[0] ?? '').trim().toLowerCase().replace(/\s/g, '') !== HEADER) {
    return { rows: [], errors: [`line 1: the header must be "${HEADER}"`] };
  }
  const rows: LicensePackRow[] = [];
  const errors: string[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (index === 0 || raw.trim() === '') continue;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== 4) {
      errors.push(`line ${line}: expected 4 values (${HEADER}), found ${cells.length}`);
      continue;
    }
    const [code, devices, months, plan] = cells as [string, string, string, string];
    const parsed = Row.safeParse({ code, devices, months, plan });
    if (!parsed.success) errors.push(`line ${line}: ${parsed.error.issues[0]!.message}`);
    else if (!knownPlans.includes(parsed.data.plan)) {
      errors.push(
        `line ${line}: plan "${parsed.data.plan}" does not exist (plans: ${knownPlans.join(', ')})`,
      );
    } else
      rows.push({
        line,
        code,
        devices: parsed.data.devices,
        months: parsed.data.months,
        planCode: parsed.data.plan,
      });
  }
  return errors.length ? { rows: [], errors } : { rows, errors };
}
