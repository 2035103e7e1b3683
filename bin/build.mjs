// `npm run build`, which `npm start` runs first: src/ as plain JavaScript in dist/, file for file (no bundle), so
// that the app runs on plain node. tsx's loader, which the CLI and the tests use, would stay in the running app's
// memory (a loader thread, the transformed sources and their source maps). dist/ mirrors src/ at the same depth, so
// paths relative to a module (../../drizzle, the fonts' package) hold in both. No type check here: `npm run
// typecheck` does that.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const { outputFiles } = await build({
  entryPoints: ['src/**/*.ts'],
  outbase: 'src',
  outdir: 'dist',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  write: false,
});

// Each file is replaced whole (written aside, then renamed over), and only when it changed: another `npm start` in
// this checkout, building at the same moment or already running and importing a module lazily, never reads a file
// half written.
await Promise.all(
  outputFiles.map(async (file) => {
    const current = await readFile(file.path).catch(() => undefined);
    if (current?.equals(file.contents)) return;
    await mkdir(dirname(file.path), { recursive: true });
    const aside = `${file.path}.${process.pid}.tmp`;
    await writeFile(aside, file.contents);
    await rename(aside, file.path);
  }),
);
