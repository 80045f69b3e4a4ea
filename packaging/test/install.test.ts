/**
 * What a stranger gets (issue #16): both published packages are packed with `pnpm pack`, installed with npm into an
 * empty project in the OS temp dir (outside the workspace, so nothing resolves through it), and used from there:
 * ESM import, CJS require, a TypeScript check with moduleResolution node16 and bundler, init() against a real
 * redis-server, and `npx redis-resilience doctor` from the project's own bin.
 *
 * npm installs the third-party dependencies from the registry through its cache (--prefer-offline).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { type RedisProcess, startRedis } from '@redis-resilience/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSize, megabytes } from '../src/install-size.js';
import { PUBLISHED, pack, REPO_ROOT, tarballFiles } from '../src/published.js';
import { run, runOk } from '../src/run.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'consumer');
const NPM_MS = 240_000;
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'rr-install-')));
const project = path.join(tmp, 'consumer');
const tarballs: Record<string, string> = {};
const timings: Record<string, number> = {};
let redis: RedisProcess | undefined;

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = performance.now() - t;
  }
}

const npm = (args: string[]) => runOk('npm', [...args, ...NPM_FLAGS], { cwd: project, timeoutMs: NPM_MS });

/**
 * One probe for both module systems: the ESM file imports, the CJS file requires, the body is the same. It prints
 * what it saw as one JSON line.
 */
function probe(kind: 'esm' | 'cjs'): string {
  const load =
    kind === 'esm'
      ? `const m = await import('@redis-resilience/core');
         const catalog = await import('@redis-resilience/core/catalog');
         const slowlog = await import('@redis-resilience/core/slowlog');
         const resolved = import.meta.resolve('@redis-resilience/core');`
      : `const m = require('@redis-resilience/core');
         const catalog = require('@redis-resilience/core/catalog');
         const slowlog = require('@redis-resilience/core/slowlog');
         const resolved = require.resolve('@redis-resilience/core');`;
  return `(async () => {
  ${load}
  const rr = m.init({ redis: process.env.REDIS_URL, serviceName: 'install-${kind}', tracing: false });
  await rr.client.set('install:${kind}', '${kind}-ok');
  const value = await rr.client.get('install:${kind}');
  const health = await rr.health();
  const exposition = await rr.metrics();
  // A refused connection fails fast with a typed error, recognised by the guard of this build.
  const down = m.init({ redis: 'redis://127.0.0.1:1', tracing: false, retry: { maxAttempts: 1 }, queue: { maxWaitMs: 50 } });
  const err = await down.client.get('k').then(() => undefined, (e) => e);
  await Promise.all([down.close(), rr.close()]);
  console.log(JSON.stringify({
    resolved,
    value,
    status: health.status,
    exposition: exposition.includes('redis_resilience_operation_duration_seconds_count{'),
    unavailable: m.isRedisUnavailableError(err),
    errorTypes: m.ERROR_TYPES.length,
    catalog: Object.keys(catalog.CATALOG).length === Object.keys(m.CATALOG).length,
    slowlog: slowlog.parseSlowlogEntry([7, 1700000000, 15, ['GET', 'key']]),
  }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
}

beforeAll(async () => {
  redis = await startRedis();
  mkdirSync(project);
  const dest = path.join(tmp, 'tarballs');
  mkdirSync(dest);
  await timed('pnpm pack (core, cli)', async () => {
    for (const pkg of PUBLISHED) tarballs[pkg.name] = await pack(pkg, dest);
  });
  writeFileSync(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`,
  );
});

afterAll(async () => {
  await redis?.kill();
  rmSync(tmp, { recursive: true, force: true });
  const lines = Object.entries(timings).map(([k, ms]) => `  ${(ms / 1000).toFixed(1).padStart(5)} s  ${k}`);
  console.log(`install test timings:\n${lines.join('\n')}`);
});

describe('the published packages, installed from their tarballs', () => {
  it('ship dist, README, CHANGELOG and LICENSE, and neither sources nor sourcemaps', async () => {
    for (const pkg of PUBLISHED) {
      const files = await tarballFiles(tarballs[pkg.name]!);
      for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']) expect(files, pkg.name).toContain(f);
      expect(files.filter((f) => f.startsWith('dist/')).length, pkg.name).toBeGreaterThan(0);
      expect(
        files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.includes('.test.')),
        pkg.name,
      ).toEqual([]);
    }
  });

  it('core installs alone with npm into an empty project outside the workspace', async () => {
    expect(project.startsWith(REPO_ROOT)).toBe(false);
    await timed('npm install core', () => npm(['install', tarballs['@redis-resilience/core']!]));
    const size = installSize(project);
    // The number a size budget will assert on (installSize() in packaging/src/install-size.ts).
    console.log(
      `install size: @redis-resilience/core alone: node_modules ${megabytes(size.bytes)} ` +
        `(${size.files} files, ${size.packages} packages)`,
    );
    expect(size.packages).toBeGreaterThan(1);
  });

  it('the cli installs next to it and uses that core, not a copy', async () => {
    await timed('npm install cli, @types/node', () =>
      npm(['install', tarballs['@redis-resilience/cli']!, '@types/node@24']),
    );
    const ls = await runOk('npm', ['ls', '--all', '--json', '@redis-resilience/core'], {
      cwd: project,
      timeoutMs: 60_000,
    });
    const tree = JSON.parse(ls.stdout) as {
      dependencies: Record<string, { version: string; dependencies?: Record<string, { version: string }> }>;
    };
    expect(tree.dependencies['@redis-resilience/core']?.version).toBe('0.1.0');
    expect(tree.dependencies['@redis-resilience/cli']?.dependencies?.['@redis-resilience/core']).toMatchObject({
      version: '0.1.0',
    });
    // One copy of the core: the cli's dependency is the one installed at the top.
    const nested = path.join(project, 'node_modules/@redis-resilience/cli/node_modules/@redis-resilience/core');
    expect(() => readFileSync(path.join(nested, 'package.json'))).toThrow();
  });

  for (const kind of ['esm', 'cjs'] as const) {
    it(`${kind === 'esm' ? 'ESM import' : 'CJS require'}: init() works against a real redis-server`, async () => {
      const file = path.join(project, kind === 'esm' ? 'probe.mjs' : 'probe.cjs');
      writeFileSync(file, probe(kind));
      const r = await timed(`${kind} probe`, () =>
        runOk(process.execPath, [file], { cwd: project, timeoutMs: 60_000, env: { REDIS_URL: redis!.url } }),
      );
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(out).toEqual({
        resolved: expect.stringContaining(path.join(project, 'node_modules', '@redis-resilience', 'core')),
        value: `${kind}-ok`,
        status: 'ok',
        exposition: true,
        unavailable: true,
        errorTypes: expect.any(Number),
        catalog: true,
        slowlog: { id: 7, timestamp: 1700000000, durationMicros: 15, command: 'get' },
      });
      expect(await redis!.cli('GET', `install:${kind}`)).toBe(`${kind}-ok`);
    });
  }

  it('typechecks with moduleResolution node16 (import and require) and bundler', async () => {
    for (const f of ['check.mts', 'check.cts', 'check.ts'])
      copyFileSync(path.join(FIXTURES, 'check.ts'), path.join(project, f));
    // The workspace's TypeScript; every type it checks comes from the consumer's node_modules (skipLibCheck off,
    // so our .d.ts files are checked too). The two configurations run side by side.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const results = await timed('tsc node16 + bundler', () =>
      Promise.all(
        (['node16', 'bundler'] as const).map(async (resolution) => {
          const config = `tsconfig.${resolution}.json`;
          copyFileSync(path.join(FIXTURES, config), path.join(project, config));
          return {
            resolution,
            ...(await run(process.execPath, [tsc, '-p', config], { cwd: project, timeoutMs: 180_000 })),
          };
        }),
      ),
    );
    for (const r of results) expect(r.code, `${r.resolution}: ${r.stdout}${r.stderr}`).toBe(0);
  });

  it('npx redis-resilience doctor runs the project bin against the real redis-server', async () => {
    // --no: never download. A bare `npx redis-resilience` outside such a project would fetch another package.
    const r = await timed('npx redis-resilience doctor', () =>
      run('npx', ['--no', 'redis-resilience', 'doctor', redis!.url, '--json', '--pings', '3'], {
        cwd: project,
        timeoutMs: 60_000,
      }),
    );
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    const report = JSON.parse(r.stdout) as {
      version: number;
      summary: { fail: number };
      checks: { id: string; status: string }[];
    };
    expect(report.summary.fail).toBe(0);
    expect(report.checks.find((c) => c.id === 'ping')?.status).toBe('pass');
    const version = await runOk('npx', ['--no', '--', 'redis-resilience', '--version'], {
      cwd: project,
      timeoutMs: 30_000,
    });
    expect(version.stdout.trim()).toBe('0.1.0');
  });
});
