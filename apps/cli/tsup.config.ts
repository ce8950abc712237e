import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  splitting: true,
  // One file with the workspace packages inside; third-party packages stay dependencies.
  noExternal: [/^@baton\//, 'zod', 'eventemitter3'],
  banner: { js: '#!/usr/bin/env node' },
});
