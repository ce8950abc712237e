import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { '@baton/runtime': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    globalSetup: ['../../vitest.temp-dir.ts'],
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
