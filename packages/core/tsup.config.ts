import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    // The opt-in OpenTelemetry SDK: the main entry needs only the OpenTelemetry API.
    otel: 'src/otel.ts',
    register: 'src/register.ts',
    // Light entry points for tooling: the metric catalog (dashboards, alert rules) and the SLOWLOG reader (the
    // doctor) load without ioredis, opossum or OpenTelemetry.
    catalog: 'src/telemetry/catalog.ts',
    slowlog: 'src/telemetry/slowlog.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  // No sourcemaps, deliberately: they would point at src/, which the package does not ship (and shipping it would
  // double the install for a bundle that is already readable, unminified, with its names intact).
  sourcemap: false,
  clean: true,
  // import.meta.url (createRequire for CJS-only dependencies) must work in the CJS build too.
  shims: true,
  target: 'node22',
  // Attribute and metric names only: the constants used are bundled, so the 10 MB package is no run-time dependency.
  noExternal: ['@opentelemetry/semantic-conventions'],
});
