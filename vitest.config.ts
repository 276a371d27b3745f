import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Temporal's native worker runs inside the test process: forks, not threads.
    pool: 'forks',
    // Files share one Temporal server and task queue: a file's workflows must run on that file's worker.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers on 2 shared cores: a test that fails once is run once more, and scripts/run-vitest.sh names
    // every test that needed it (with its first error), so a race is seen and fixed, not hidden.
    retry: 1,
  },
});
