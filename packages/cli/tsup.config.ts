import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node22',
  // The core's classifier and slowlog parser are bundled from source until core publishes an index.
  banner: { js: '#!/usr/bin/env node' },
});
