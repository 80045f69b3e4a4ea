/** The docs name what the code has: README's errorType table and the runbooks' error.type list equal ERROR_TYPES. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_TYPES } from '@redis-resilience/core';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/published.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** First-column values of the Markdown table whose header row starts with `| <header> |`. */
export function tableKeys(markdown: string, header: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  if (start < 0) throw new Error(`no table with a "${header}" column`);
  const keys: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split('|')[1]?.trim() ?? '';
    keys.push(cell.replace(/^`|`$/g, ''));
  }
  return keys;
}

describe('README', () => {
  it('lists every errorType of ERROR_TYPES once, with a meaning, and nothing else', () => {
    const readme = read('README.md');
    const keys = tableKeys(readme, 'errorType');
    expect([...keys].sort()).toEqual([...ERROR_TYPES].sort());
    expect(new Set(keys).size).toBe(keys.length);
    const start = readme.split('\n').findIndex((l) => l.startsWith('| errorType |'));
    for (const row of readme.split('\n').slice(start + 2, start + 2 + keys.length)) {
      expect(row.split('|')[2]?.trim().length, row).toBeGreaterThan(10);
    }
  });

  it('reads a table the way the check above does (the check can fail)', () => {
    const md = '| errorType | meaning |\n|---|---|\n| `refused` | nothing listens |\n| `bogus` | x |\n\nafter';
    expect(tableKeys(md, 'errorType')).toEqual(['refused', 'bogus']);
  });
});

describe('docs/runbooks/README.md', () => {
  it('names every error.type value', () => {
    const text = read('docs/runbooks/README.md');
    const section = text.slice(text.indexOf('**`error.type` values**'), text.indexOf('- **redis-cli**'));
    const named = [...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((v) => v !== 'error');
    expect(new Set(named)).toEqual(new Set(ERROR_TYPES));
  });
});
