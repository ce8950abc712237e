import { defineConfig } from 'vitest/config';
import { dashboardScriptVitePlugin } from './dashboard.build.js';

export default defineConfig({
  plugins: [dashboardScriptVitePlugin()],
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
