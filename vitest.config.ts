import { defineConfig } from 'vitest/config';

// One `npm test` runs both packages: Formgate's tests and the example identity service's own.
export default defineConfig({
  test: {
    // Process tests start real servers; give them room without letting a hang run forever.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time even on 2 cores: most process and browser tests wait on children, not on the
    // CPU (673 s with one worker, 477 s with two, on this 2-core machine).
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'formgate', include: ['test/**/*.test.ts'], exclude: ['test/chaos/**'], globalSetup: ['test/support/global-setup.ts'] },
      },
      'auth-service-example',
    ],
  },
});
