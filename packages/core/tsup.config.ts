import { defineConfig } from 'tsup';

export default defineConfig({
  // `format` stands alone (no zod): the dashboard's browser bundle imports it.
  entry: { index: 'src/index.ts', format: 'src/format.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
});
