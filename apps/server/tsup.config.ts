import { defineConfig } from 'tsup';
import { dashboardScriptEsbuildPlugin } from './dashboard.build.js';

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  esbuildPlugins: [dashboardScriptEsbuildPlugin()],
});
