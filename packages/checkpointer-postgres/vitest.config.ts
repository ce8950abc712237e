import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Every test file makes its own database on the local PostgreSQL (see test/temporary-database.ts).
  test: {
    globalSetup: ['../../vitest.temp-dir.ts'],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
