import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster` (with TEST_TEMPORAL=cluster): the API, fault and history tests against the production shape
 * (`temporal-server` on PostgreSQL, SQL visibility, 4 history shards), and what only that shape shows (test/cluster/).
 */
export default defineConfig({
  test: {
    include: [
      'test/api/**/*.test.ts',
      'test/faults/**/*.test.ts',
      'test/workflows/histories.test.ts',
      // *.cluster.ts only here; *.test.ts in both suites (the same assertions on both shapes).
      'test/cluster/**/*.cluster.ts',
      'test/cluster/**/*.test.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
  },
});
