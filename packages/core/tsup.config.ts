import { defineConfig } from 'tsup';

export default defineConfig({
  // The main entry needs only the OpenTelemetry API; the SDK is loaded by the opt-in entries alone.
  entry: ['src/index.ts', 'src/otel.ts', 'src/register.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url (createRequire for CJS-only dependencies) must work in the CJS build too.
  shims: true,
  target: 'node22',
  // Attribute and metric names only: the constants used are bundled, so the 10 MB package is no run-time dependency.
  noExternal: ['@opentelemetry/semantic-conventions'],
});
