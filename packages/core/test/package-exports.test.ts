/** The published entry points: `require` gets the CJS build, `import` the ESM build, both with the same API. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const pkgDir = path.resolve(import.meta.dirname, '..');
const probe = `
  const m = MODULE;
  const rr = m.init({ redis: 'redis://127.0.0.1:1', queue: { maxWaitMs: 50 }, retry: { maxAttempts: 1 }, tracing: false });
  rr.client.get('k').then(
    () => { console.log('unexpected success'); process.exit(1); },
    async (e) => { console.log(JSON.stringify({ code: e.code, guard: m.isRedisUnavailableError(e), names: m.METRIC_NAMES.length, sessions: typeof rr.sessions.get })); await rr.close(); },
  );`;

function run(kind: 'cjs' | 'esm'): { code: string; guard: boolean; names: number; sessions: string } {
  const source =
    kind === 'cjs'
      ? probe.replace('MODULE', "require('@redis-resilience/core')")
      : `import * as mod from '@redis-resilience/core';\n${probe.replace('MODULE', 'mod')}`;
  const out = execFileSync(
    process.execPath,
    [kind === 'esm' ? '--input-type=module' : '--input-type=commonjs', '-e', source],
    {
      cwd: pkgDir,
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('package exports', () => {
  it('is built (run `pnpm --filter @redis-resilience/core build` first)', () => {
    expect(existsSync(path.join(pkgDir, 'dist/index.cjs')) && existsSync(path.join(pkgDir, 'dist/index.js'))).toBe(
      true,
    );
  });

  for (const kind of ['cjs', 'esm'] as const) {
    it(`${kind}: init works and the error guards recognise the errors`, () => {
      // rr.sessions loads the optional express-session peer at run time: that must work from both builds too.
      expect(run(kind)).toEqual({
        code: 'ERR_REDIS_UNAVAILABLE',
        guard: true,
        names: expect.any(Number),
        sessions: 'function',
      });
    });
  }
});
