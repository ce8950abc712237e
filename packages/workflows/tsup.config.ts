import { defineConfig } from 'tsup';

export default defineConfig({
  // The learning loop on its own, without the release check's analyzers (`baton run` loads it).
  entry: ['src/index.ts', 'src/composition-learning.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
});
