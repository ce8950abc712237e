import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The worker processes of the tests run the built package: the global setup builds it first.
  // Every test uses its own key prefix on the local Redis (see test/redis.ts).
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/build-once.ts', '../../vitest.temp-dir.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
