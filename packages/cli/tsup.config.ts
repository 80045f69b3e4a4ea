import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  // No sourcemaps, deliberately: src/ is not shipped, and the unminified bundle reads as it is.
  sourcemap: false,
  clean: true,
  target: 'node22',
  // Dependencies (@redis-resilience/core among them) stay external: the bin imports the installed core.
  banner: { js: '#!/usr/bin/env node' },
});
