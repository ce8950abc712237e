import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  // The workspace packages inside; third-party packages stay dependencies. Commands are imported
  // when they run (cli.ts), so the build emits cli.js, a chunk per command and shared chunks.
  noExternal: [/^@baton\//],
  banner: { js: '#!/usr/bin/env node' },
});
