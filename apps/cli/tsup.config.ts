import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  splitting: false,
  // One file with the workspace packages inside; third-party packages stay dependencies.
  noExternal: [/^@baton\//],
  banner: { js: '#!/usr/bin/env node' },
});
