/** The packages this repository publishes, packed the way `pnpm publish` packs them. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from './run.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const REPOSITORY_URL = 'https://github.com/redis-resilience/redis-resilience';

export interface PublishedPackage {
  readonly name: string;
  readonly dir: string;
}

export const PUBLISHED: readonly PublishedPackage[] = [
  { name: '@redis-resilience/core', dir: path.join(REPO_ROOT, 'packages/core') },
  { name: '@redis-resilience/cli', dir: path.join(REPO_ROOT, 'packages/cli') },
];

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  files?: string[];
  bin?: Record<string, string>;
  repository?: { type: string; url: string; directory: string };
  homepage?: string;
  bugs?: { url: string };
  publishConfig?: { access?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

/** `pnpm pack` into `dest`; returns the tarball's path. Needs the package built (`npm test` builds first). */
export async function pack(pkg: PublishedPackage, dest: string): Promise<string> {
  const before = new Set(readdirSync(dest));
  await runOk('pnpm', ['pack', '--pack-destination', dest], { cwd: pkg.dir, timeoutMs: 60_000 });
  const made = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (made.length !== 1) throw new Error(`pnpm pack in ${pkg.dir} made ${made.length} tarballs: ${made.join(', ')}`);
  return path.join(dest, made[0]!);
}

/** Paths inside a tarball, without npm's `package/` prefix. */
export async function tarballFiles(tgz: string): Promise<string[]> {
  const { stdout } = await runOk('tar', ['tzf', tgz], { cwd: path.dirname(tgz), timeoutMs: 30_000 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}
