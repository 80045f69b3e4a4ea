/**
 * The shape of the core, checked so it cannot drift: no import cycles (type-only imports included), small files,
 * and the weakly typed dependencies behind their one adapter each.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const MAX_LINES = 250;

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const FILES = sources();
const rel = (p: string) => path.relative(SRC, p);

/** Every module specifier a file imports or re-exports, `import type` included. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)].map((m) => m[1]!);
}

function localImports(file: string): string[] {
  return specifiers(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

describe('architecture of packages/core/src', () => {
  it('has no import cycles, type-only imports included', () => {
    const graph = new Map(FILES.map((f) => [f, localImports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map(rel).join(' -> '));
        return;
      }
      state.set(f, 'visiting');
      stack.push(f);
      for (const g of graph.get(f) ?? []) visit(g);
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of FILES) visit(f);
    expect(cycles).toEqual([]);
  });

  it('resolves every relative import to a file that exists (so the cycle check sees the whole graph)', () => {
    const known = new Set(FILES);
    const missing = FILES.flatMap((f) =>
      localImports(f)
        .filter((g) => !known.has(g))
        .map((g) => `${rel(f)} -> ${g}`),
    );
    expect(missing).toEqual([]);
  });

  it(`keeps every module under ${MAX_LINES} lines`, () => {
    const long = FILES.map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length] as const).filter(
      ([, n]) => n > MAX_LINES,
    );
    expect(long).toEqual([]);
  });

  it('imports opossum in breaker/breaker.ts alone', () => {
    const users = FILES.filter((f) => /require\('opossum'\)|from 'opossum'/.test(readFileSync(f, 'utf8')));
    expect(users.map(rel)).toEqual([path.join('breaker', 'breaker.ts')]);
  });
});
