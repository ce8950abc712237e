import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/server.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
});
