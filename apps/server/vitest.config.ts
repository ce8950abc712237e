import { defineConfig } from 'vitest/config';
import { dashboardScriptVitePlugin } from './dashboard.build.js';

export default defineConfig({
  plugins: [dashboardScriptVitePlugin()],
  test: {
    globalSetup: ['../../vitest.temp-dir.ts'],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    coverage: {
      // The dashboard's DOM code runs in Chromium (test/dashboard.browser.test.ts), where Node's
      // V8 coverage cannot see it; its DOM-free parts (api, sse, format) are measured here.
      exclude: ['src/dashboard/client/{main,views,dom}.ts'],
    },
  },
});
