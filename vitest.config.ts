import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // teardown of test/helpers/child.ts: children killed, temporary directories removed, even after a failure
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 30_000,
    // end-to-end children burn CPU on purpose; two cores, so keep files from starving each other
    maxWorkers: 2,
  },
});
