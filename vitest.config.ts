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
    ],
  },
});
