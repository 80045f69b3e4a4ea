/** The published entry points: `require` gets the CJS build, `import` the ESM build, both with the same API. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as source from '../src/index.js';

const pkgDir = path.resolve(import.meta.dirname, '..');
const probe = `
  const m = MODULE;
  const rr = m.init({ redis: 'redis://127.0.0.1:1', queue: { maxWaitMs: 50 }, retry: { maxAttempts: 1 }, tracing: false });
  rr.client.get('k').then(
    () => { console.log('unexpected success'); process.exit(1); },
    async (e) => {
      const api = Object.fromEntries(Object.keys(m).sort().map((k) => [k, typeof m[k]]));
      console.log(JSON.stringify({ code: e.code, guard: m.isRedisUnavailableError(e), sessions: typeof rr.sessions.get, api, metricNames: m.METRIC_NAMES }));
      await rr.close();
    },
  );`;

interface Probe {
  code: string;
  guard: boolean;
  sessions: string;
  /** Every export by name (sorted), with its typeof. */
  api: Record<string, string>;
  metricNames: string[];
}

const runs = new Map<string, Probe>();
/** One child process per build, shared by the tests. */
function run(kind: 'cjs' | 'esm'): Probe {
  let probed = runs.get(kind);
  if (!probed) {
    probed = probeBuild(kind);
    runs.set(kind, probed);
  }
  return probed;
}

function probeBuild(kind: 'cjs' | 'esm'): Probe {
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
      expect(run(kind)).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE', guard: true, sessions: 'function' });
    });
  }

  it('cjs and esm export the same names, of the same kinds, as the source (and the same metric names)', () => {
    const api = Object.fromEntries(Object.entries(source).map(([name, value]) => [name, typeof value]));
    expect(Object.keys(api)).toContain('init');
    expect(run('esm').api).toEqual(api);
    expect(run('cjs').api).toEqual(api);
    expect(run('esm').metricNames).toEqual([...source.METRIC_NAMES]);
    expect(run('cjs').metricNames).toEqual([...source.METRIC_NAMES]);
  });
});
