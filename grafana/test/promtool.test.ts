/** (d) promtool accepts the rules, runs their unit tests, and accepts the Prometheus config that loads them. */
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRAFANA_DIR, RULES_FILE, ruleTestFiles } from './helpers.js';

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: GRAFANA_DIR, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool not found: install with `apt-get install -y prometheus`');
  }
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('promtool', () => {
  it('promtool check rules succeeds', () => {
    const { status, output } = promtool('check', 'rules', relative(GRAFANA_DIR, RULES_FILE));
    expect(status, output).toBe(0);
  });

  it('promtool test rules succeeds for every test file', () => {
    const files = ruleTestFiles();
    expect(files.length).toBeGreaterThan(0);
    const { status, output } = promtool('test', 'rules', ...files.map((f) => relative(GRAFANA_DIR, f)));
    expect(status, output).toBe(0);
  });

  it('promtool check config accepts the Prometheus config and the rule files it loads', () => {
    const { status, output } = promtool('check', 'config', 'prometheus/prometheus.yml');
    expect(status, output).toBe(0);
    expect(output).toContain('redis-resilience.rules.yml');
  });
});
