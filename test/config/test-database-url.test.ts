import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { childEnv, ROOT } from '../support/cli.js';

/** Runs one test file in a child vitest with the given TEST_DATABASE_URL. */
function vitestWith(file: string, url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${ROOT}node_modules/.bin/vitest`, ['run', file], {
      cwd: ROOT,
      env: childEnv({ TEST_DATABASE_URL: url }),
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

it('`TEST_DATABASE_URL= npm test` runs on PGlite only: an empty variable is unset, for the tests too', async () => {
  // A file of PostgreSQL-only tests: with the variable empty they are skipped, not run against "".
  const run = await vitestWith('test/ledger/ledger.concurrency.test.ts', '');
  expect(run.output).toMatch(/skipped/);
  expect(run.output).not.toMatch(/failed/i);
  expect(run.code).toBe(0);
});
