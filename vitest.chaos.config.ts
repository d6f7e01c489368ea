import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: fault tests that restart or cut PostgreSQL and load whole processes. They run on
// their own, one file at a time, after `npm test`, because they disturb what other tests rely on.
export default defineConfig({
  test: {
    name: 'chaos',
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
