import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Captures every server log line of the run and scans it for credentials at the end (docs/reliability.md).
    globalSetup: ['test/log-safety/global-setup.ts'],
    // Two cores: a couple of workers keeps child-process and browser tests from starving each other.
    pool: 'forks',
    maxWorkers: 2,
  },
});
