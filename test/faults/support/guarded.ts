// A process with Balance's process guards and one fault (argv[2]): `rejection` drops a rejected promise, `exception`
// throws in a timer. It reports on stdout what it did next; the guards log to stderr.
import { createLogger } from '../../../src/logger.js';
import { guardProcess } from '../../../src/process-guards.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
guardProcess(createLogger(), (why, code) => {
  say(`shutting down: ${why}`);
  setTimeout(() => process.exit(code), 20);
});
if (process.argv[2] === 'rejection') {
  void Promise.reject(new Error('nobody awaited this'));
  setTimeout(() => {
    say('still serving');
    process.exit(0);
  }, 200);
} else {
  setTimeout(() => {
    throw new Error('thrown in a timer');
  }, 10);
  setTimeout(() => say('carried on as if nothing happened'), 2_000);
}
