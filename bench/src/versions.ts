/** Versions of what was measured, for the record in the results. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGES = [
  'ioredis',
  'opossum',
  'cockatiel',
  '@opentelemetry/instrumentation-ioredis',
  '@opentelemetry/sdk-trace',
  '@redis-resilience/core',
] as const;

/** Read from bench/node_modules directly: some of these packages do not export their package.json. */
export function packageVersions(): Record<string, string> {
  const root = path.resolve(import.meta.dirname, '..');
  return Object.fromEntries(
    PACKAGES.map((name) => {
      try {
        const manifest = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'));
        return [name, String(manifest.version)];
      } catch {
        return [name, 'unknown'];
      }
    }),
  );
}
