/**
 * Issue #12, the dependency diet: what `npm install @redis-resilience/core` puts on disk, measured the way a user
 * gets it: the packed tarball (`pnpm pack`) installed with npm into an empty project outside the workspace. Without
 * the SDK path (`@opentelemetry/sdk-node` is an optional peer) the runtime closure stays within 20 MB, and the
 * package loads without it. Needs the build (`pnpm --filter @redis-resilience/core build`) and the npm registry.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PKG_DIR = fileURLToPath(new URL('..', import.meta.url));
const LIMIT_BYTES = 20 * 1024 * 1024;
const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-package-size-'));

/** Bytes of every file below `p` (symlinks not followed: npm installs none, but a link must not count twice). */
function bytes(p: string): number {
  const st = lstatSync(p);
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  return readdirSync(p).reduce((n, e) => n + bytes(path.join(p, e)), 0);
}

/**
 * The environment of a user's project: no OTEL_* setting, and no NODE_PATH (pnpm sets one to the workspace's
 * packages, where @opentelemetry/sdk-node would be found).
 */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && k !== 'NODE_PATH'),
);

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

beforeAll(() => {
  if (!existsSync(path.join(PKG_DIR, 'dist/index.js'))) {
    throw new Error('packages/core/dist is missing: build first (pnpm --filter @redis-resilience/core build)');
  }
  run('pnpm', ['pack', '--pack-destination', dir], PKG_DIR);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`pnpm pack left no tarball in ${dir}`);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'size-probe', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`], dir);
}, 240_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('weighs at most 20 MB with its runtime dependencies, the SDK path left out', () => {
    const modules = path.join(dir, 'node_modules');
    const total = bytes(modules);
    const top = readdirSync(modules)
      .flatMap((e) => (e.startsWith('@') ? readdirSync(path.join(modules, e)).map((s) => `${e}/${s}`) : [e]))
      .filter((e) => !e.startsWith('.'))
      .map((e) => [e, bytes(path.join(modules, e))] as const)
      .sort((a, b) => b[1] - a[1]);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(`npm install of the packed core: ${mb(total)}\n${top.map(([e, n]) => `  ${mb(n)}  ${e}`).join('\n')}`);
    expect(existsSync(path.join(modules, '@opentelemetry/sdk-node'))).toBe(false);
    expect(total).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it('loads in CJS and ESM without the SDK, and /otel says what to install', () => {
    const cjs = run(process.execPath, ['-e', "console.log(typeof require('@redis-resilience/core').init)"], dir);
    expect(cjs.trim()).toBe('function');
    const esm = run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('@redis-resilience/core'); console.log(typeof m.init)"],
      dir,
    );
    expect(esm.trim()).toBe('function');
    const otel = run(
      process.execPath,
      [
        '-e',
        "try { require('@redis-resilience/core/otel').startOpenTelemetry() } catch (e) { console.log(e.message) }",
      ],
      dir,
    );
    expect(otel).toContain('npm install @opentelemetry/sdk-node');
  });
});
