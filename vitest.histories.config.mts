import { defineConfig } from 'vitest/config';

/** `npm run histories:record` (and `histories:record-rescue`): new test/histories/*.json from real enrollments (not part of `npm test`). */
export default defineConfig({
  test: {
    include: [
      'test/histories/record.histories.ts',
      'test/histories/record-coach.histories.ts',
      // `histories:record-rescue`: an enrollment an older checkout's code left waiting, rescued by this one's.
      ...(process.env.HISTORIES_OLD_WORKFLOWS ? ['test/histories/record-rescue.histories.ts'] : []),
    ],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
  },
});
