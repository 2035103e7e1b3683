// `npm run bench -- <name> [options]` runs bench/<name>.ts (a module exporting `run(args)`); `npm run bench` lists
// the benchmarks. Whatever a benchmark started or created is cleaned up at the end, on an error and on Ctrl-C.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanUpOnSignals, ROOT, runCleanups, UsageError } from './lib.js';

const DIR = join(ROOT, 'bench');
const EXPORTS_RUN = /export\s+(?:async\s+)?function\s+run\s*\(|export\s+const\s+run\s*=/;
const DESCRIPTION = /export\s+const\s+description\s*=\s*(['"`])(.*?)\1/s;

interface Benchmark {
  name: string;
  description?: string;
}

/** bench/*.ts files that export `run` (read as text, so listing runs none of them). */
function benchmarks(): Benchmark[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'main.ts')
    .flatMap((f) => {
      const text = readFileSync(join(DIR, f), 'utf8');
      if (!EXPORTS_RUN.test(text)) return [];
      const description = DESCRIPTION.exec(text)?.[2]?.replace(/\s+/g, ' ');
      return [{ name: f.slice(0, -3), ...(description ? { description } : {}) }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function list(): void {
  const all = benchmarks();
  const width = Math.max(0, ...all.map((b) => b.name.length));
  process.stdout.write(
    'usage: npm run bench -- <name> [options]   (--help after a name for its options)\n\n',
  );
  for (const b of all) process.stdout.write(`  ${b.name.padEnd(width)}  ${b.description ?? ''}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === 'help' || name === 'list') {
    list();
    return 0;
  }
  const known = benchmarks().find((b) => b.name === name);
  if (!known) {
    process.stderr.write(`no benchmark "${name}"\n\n`);
    list();
    return 2;
  }
  const mod = (await import(`./${name}.js`)) as { run?: (args: string[]) => Promise<void> };
  if (typeof mod.run !== 'function') throw new Error(`bench/${name}.ts does not export run(args)`);
  cleanUpOnSignals();
  try {
    await mod.run(args);
  } finally {
    await runCleanups();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
