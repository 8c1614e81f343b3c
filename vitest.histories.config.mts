import { defineConfig } from 'vitest/config';

/** `npm run histories:record`: new test/histories/*.json from real enrollments (not part of `npm test`). */
export default defineConfig({
  test: {
    include: [
      'test/histories/record.histories.ts',
      'test/histories/record-timeline.histories.ts',
      'test/histories/record-coach.histories.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 90_000,
  },
});
