// `npm run build`, which `npm start` runs first: src/ as plain JavaScript in dist/, file for file (no bundle), so
// that the app runs on plain node. tsx's loader, which the CLI and the tests use, would stay in the running app's
// memory (a loader thread, the transformed sources and their source maps). dist/ mirrors src/ at the same depth, so
// paths relative to a module (../../drizzle, the fonts' package) hold in both. No type check here: `npm run
// typecheck` does that.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/**/*.ts'],
  outbase: 'src',
  outdir: 'dist',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
