import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url (createRequire for CJS-only dependencies) must work in the CJS build too.
  shims: true,
  target: 'node22',
});
