import { z } from 'zod';
import { isMonth } from '../domain/billing-month.js';

/** `--month YYYY-MM`, `--now <ISO time>`, `--out <file>`: the options of `balance jobs` (and `jobs` at the shell's prompt) and `balance export`. */
const Options = z
  .object({
    month: z.string().refine(isMonth, 'must be a month like 2026-11').optional(),
    now: z
      .string()
      .refine(
        (s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)),
        'must be an ISO time like 2026-12-01T09:00:00Z',
      )
      .transform((s) => new Date(s))
      .optional(),
    out: z.string().min(1).optional(),
  })
  .strict();

export type CliOptions = z.infer<typeof Options>;

export class CliUsageError extends Error {}

export function parseOptions(args: string[], allowed: Array<keyof CliOptions>): CliOptions {
  const raw: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    const name = flag.replace(/^--/, '') as keyof CliOptions;
    if (!flag.startsWith('--') || !allowed.includes(name)) throw new CliUsageError(`unknown option ${flag}`);
    const value = args[i + 1];
    if (value === undefined) throw new CliUsageError(`${flag} needs a value`);
    raw[name] = value;
  }
  const parsed = Options.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliUsageError(`--${String(issue.path[0])} ${issue.message}`);
  }
  return parsed.data;
}
