import { describe, expect, it } from 'vitest';
import { runScript } from '../support/cli.js';

const run = (fault: 'rejection' | 'exception') => runScript('test/faults/support/guarded.ts', [fault], {});

describe('the process guards of `balance start`', () => {
  // Proves: a rejected promise nobody awaited is logged as an error and the process keeps serving (Node 20 would exit).
  it('log an unhandled rejection and keep the process serving', async () => {
    const { code, stdout, stderr } = await run('rejection');
    expect(stdout).toBe('still serving\n');
    expect(code).toBe(0);
    const [line] = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line).toMatchObject({ level: 'error' });
    expect(line.msg).toMatch(/^unhandled promise rejection \(still serving\) Error: nobody awaited this/);
  });

  // Proves: an uncaught exception is logged and leads to the graceful shutdown (exit 1), not to carrying on in an
  // unknown state, nor to dying without finishing the work in flight.
  it('log an uncaught exception and shut down gracefully with exit code 1', async () => {
    const { code, stdout, stderr } = await run('exception');
    expect(stdout).toBe('shutting down: uncaught exception\n');
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /"level":"error".*uncaught exception \(uncaughtException\): shutting down Error: thrown in a timer/,
    );
  });
});
