import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['../../vitest.temp-dir.ts'],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
