import { defineConfig } from 'vitest/config';

// Three projects share one service harness: the global setup starts (or finds)
// a real Kafka broker and ClickHouse server once per run and stops them after.
export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    pool: 'forks',
    // Engine logs at error only, so the test report stays readable; child engines set their own level.
    env: { LEARNSTREAM_LOG_LEVEL: process.env.LEARNSTREAM_LOG_LEVEL ?? 'error' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false } },
      // The fault suite starts (and restarts) its own Kafka broker and ClickHouse server, so it runs
      // after the other projects, alone: faults on a loaded 2-core machine would time differently.
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
