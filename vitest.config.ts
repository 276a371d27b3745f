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
  },
});
