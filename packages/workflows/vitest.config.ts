import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; tests run it against the source.
    alias: { '@baton/workflows': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    globalSetup: ['../../vitest.temp-dir.ts'],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/fixtures/**', '**/node_modules/**'],
  },
});
