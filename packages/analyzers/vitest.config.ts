import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Examples import the package by name; point that at the sources.
  resolve: {
    alias: { '@baton/analyzers': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    globalSetup: ['../../vitest.temp-dir.ts'],
    include: ['src/**/*.test.ts'],
    exclude: ['**/__fixtures__/**', '**/node_modules/**'],
    // Fixture projects are data for the tests, not code of this package.
    coverage: { exclude: ['**/__fixtures__/**', '**/*.test.ts', 'src/test-helpers.ts'] },
  },
});
