import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // One file per core: every file has its own PGlite and its own PostgreSQL database, and most of a file's time is
    // spent waiting on a database or a child process. Vitest's default (cores − 1) ran the suite one file at a time
    // on 2 cores: 997 s, against 741 s with 2. At most 4: a file's PGlite can hold most of a GB.
    maxWorkers: Math.min(availableParallelism(), 4),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
