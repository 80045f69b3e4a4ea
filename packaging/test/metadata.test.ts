/**
 * The published manifests are complete and npm-publishable, and every link into the repository names a file that
 * exists in it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifest, PUBLISHED, REPO_ROOT, REPOSITORY_URL } from '../src/published.js';

const rel = (dir: string) => path.relative(REPO_ROOT, dir);

/** `^x.y.z` accepts `version` (caret semantics, including 0.x where the minor is the breaking part). */
export function caretAccepts(range: string, version: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!m) return false;
  const [want, have] = [m.slice(1).map(Number), version.split('.').map(Number)];
  const [a = 0, b = 0, c = 0] = want;
  const [x = 0, y = 0, z = 0] = have;
  if (a > 0) return x === a && (y > b || (y === b && z >= c));
  return x === 0 && y === b && z >= c;
}

describe.each(PUBLISHED.map((p) => [p.name, p] as const))('%s manifest', (_name, pkg) => {
  const m = manifest(pkg.dir);

  it('is public, MIT, with repository, homepage and bugs pointing at the one repository', () => {
    expect(m.private).toBeUndefined();
    expect(m.license).toBe('MIT');
    expect(m.publishConfig?.access).toBe('public');
    expect(m.repository).toEqual({ type: 'git', url: `git+${REPOSITORY_URL}.git`, directory: rel(pkg.dir) });
    expect(m.homepage).toBe(`${REPOSITORY_URL}/tree/main/${rel(pkg.dir)}#readme`);
    expect(m.bugs).toEqual({ url: `${REPOSITORY_URL}/issues` });
  });

  it('ships README, CHANGELOG and the root LICENSE', () => {
    for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
      expect(m.files, f).toContain(f);
      expect(existsSync(path.join(pkg.dir, f)), `${rel(pkg.dir)}/${f}`).toBe(true);
    }
    expect(readFileSync(path.join(pkg.dir, 'LICENSE'), 'utf8')).toBe(
      readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8'),
    );
    expect(readFileSync(path.join(pkg.dir, 'CHANGELOG.md'), 'utf8')).toContain(`## ${m.version}\n`);
  });

  it('publishes with npm as well as pnpm: no workspace: protocol in what installs, ranges our own versions satisfy', () => {
    for (const deps of [m.dependencies, m.peerDependencies, m.optionalDependencies]) {
      for (const [dep, range] of Object.entries(deps ?? {})) {
        expect(range, `${dep}@${range}`).not.toMatch(/^workspace:/);
        const local = PUBLISHED.find((p) => p.name === dep);
        if (local) expect(caretAccepts(range, manifest(local.dir).version), `${dep}@${range}`).toBe(true);
      }
    }
  });
});

it('the range check reads caret ranges as npm does (the check can fail)', () => {
  expect(caretAccepts('^0.1.0', '0.1.3')).toBe(true);
  expect(caretAccepts('^0.1.0', '0.2.0')).toBe(false);
  expect(caretAccepts('^1.2.0', '1.1.9')).toBe(false);
  expect(caretAccepts('workspace:*', '0.1.0')).toBe(false);
});

/** Text files that carry links into the repository: docs, package manifests, the generated Grafana and alert assets. */
function linkedFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git', '.tmp'].includes(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(md|json|ya?ml|ts|mjs)$/.test(e.name) && e.name !== 'pnpm-lock.yaml') out.push(p);
    }
  };
  walk(REPO_ROOT);
  return out;
}

describe('links into the repository', () => {
  const pattern = /https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/(?:blob|tree)\/main\/([^\s)"'`#>]+)/g;

  it('point at the one repository, at files that exist in it', () => {
    const links = linkedFiles().flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => ({
        file: rel(file),
        repo: m[1],
        target: m[2] ?? '',
      })),
    );
    // runbook_url of every alert, the dashboard's runbook link, the packages' homepages and READMEs.
    expect(links.length).toBeGreaterThan(20);
    for (const l of links) {
      if (l.file.startsWith('packaging/test/')) continue; // this file's own examples
      expect(`https://github.com/${l.repo}`, l.file).toBe(REPOSITORY_URL);
      expect(existsSync(path.join(REPO_ROOT, l.target)), `${l.file} links to ${l.target}, which does not exist`).toBe(
        true,
      );
    }
  });
});
