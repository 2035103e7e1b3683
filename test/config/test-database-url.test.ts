import { expect, it } from 'vitest';
import { ROOT, runProgram } from '../support/cli.js';

it('`TEST_DATABASE_URL= npm test` runs on PGlite only: an empty variable is unset, for the tests too', async () => {
  // A file of PostgreSQL-only tests, in a child vitest: with the variable empty they are skipped, not run against "".
  const run = await runProgram(
    `${ROOT}node_modules/.bin/vitest`,
    ['run', 'test/ledger/ledger.concurrency.test.ts'],
    {
      TEST_DATABASE_URL: '',
    },
  );
  const output = run.stdout + run.stderr;
  expect(output).toMatch(/skipped/);
  expect(output).not.toMatch(/failed/i);
  expect(run.code).toBe(0);
});
