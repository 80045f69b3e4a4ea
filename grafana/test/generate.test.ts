/**
 * The mixin: DEFAULT_CONFIG generates the committed files (stale check), and a config with extra labels and
 * selectors generates rules promtool accepts, a dashboard that filters on them, and an Alertmanager config amtool
 * accepts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { alertmanagerConfig } from '../src/alertmanager.js';
import { DEFAULT_CONFIG, mixinConfig } from '../src/config.js';
import { buildDashboard } from '../src/dashboard.js';
import { GRAFANA_DIR, renderAll } from '../src/generate.js';
import { panelQueries, variableQueries } from '../src/queries.js';
import { renderRuleFile } from '../src/rules/rule-file.js';
import { parsePromQL } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rr-mixin-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tool(cmd: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    const pkg = cmd === 'amtool' ? 'prometheus-alertmanager' : 'prometheus';
    throw new Error(`${cmd} not found: install with \`apt-get install -y ${pkg}\` (or bash scripts/setup.sh)`);
  }
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const CUSTOM = mixinConfig({
  serviceSelector: 'job=~"checkout|cart"',
  exporterSelector: 'job="redis-exporter"',
  extraLabels: ['cluster', 'namespace'],
  thresholds: { failureRatio: 0.02 },
  alerts: { RedisHighFailureRatio: { for: '2m' }, RedisServerDown: { urgency: 'page' } },
  severities: { page: 'page', ticket: 'ticket' },
});

describe('generated files', () => {
  it.each(Object.keys(renderAll()))('%s is committed as generated from DEFAULT_CONFIG (stale check)', (file) => {
    const committed = readFileSync(path.join(GRAFANA_DIR, file), 'utf8');
    expect(
      committed === renderAll()[file],
      `grafana/${file} is stale: run \`pnpm --filter @redis-resilience/grafana generate\` and commit the result`,
    ).toBe(true);
  });

  it('amtool check-config accepts the Alertmanager config', () => {
    const { status, output } = tool('amtool', [
      'check-config',
      path.join(GRAFANA_DIR, 'alertmanager/alertmanager.yml'),
    ]);
    expect(status, output).toBe(0);
    expect(output).toContain('1 inhibit rules');
  });

  it('mutes the tickets of a paged service, matched on its service labels', () => {
    const [rule] = alertmanagerConfig(DEFAULT_CONFIG).inhibit_rules;
    expect(rule?.source_matchers).toEqual(['alertname=~"RedisHighFailureRatio"', 'severity="critical"']);
    expect(rule?.target_matchers[1]).toBe('severity="warning"');
    expect(rule?.target_matchers[0]).toContain('RedisCircuitBreakerOpen');
    // Lost or stuck data needs someone whatever else fires; the OOM ticket names the full Redis server.
    for (const never of [
      'RedisQueueDeadLetters',
      'RedisSessionWriteBackDropped',
      'RedisQueueSpoolQuarantined',
      'RedisQueueReplayFailing',
      'RedisOutOfMemory',
    ]) {
      expect(rule?.target_matchers[0]).not.toContain(never);
    }
    expect(rule?.equal).toEqual(['job', 'client']);
  });
});

describe('a config with extra labels and selectors', () => {
  it('rejects a bad value and names the field', () => {
    expect(() => mixinConfig({ extraLabels: ['job'] })).toThrow(/extraLabels: "job"/);
    expect(() => mixinConfig({ windows: { short: '1 minute' } })).toThrow(/windows.short/);
    expect(() => mixinConfig({ thresholds: { failureRatio: -1 } })).toThrow(/thresholds.failureRatio/);
    expect(() => mixinConfig({ alerts: { RedisNope: { for: '1m' } } as never })).toThrow(/alerts.RedisNope/);
  });

  it('generates rules that promtool accepts, grouped and joined by the extra labels', () => {
    const file = path.join(tmp, 'rules.yml');
    writeFileSync(file, renderRuleFile(CUSTOM));
    const { status, output } = tool('promtool', ['check', 'rules', file]);
    expect(status, output).toBe(0);
    const { groups } = parseYaml(readFileSync(file, 'utf8')) as {
      groups: {
        rules: { record?: string; alert?: string; expr: string; for?: string; labels?: { severity: string } }[];
      }[];
    };
    const rules = groups.flatMap((g) => g.rules);
    for (const r of rules.filter((x) => x.record)) expect(r.record).toMatch(/^cluster_namespace_job_client:/);
    const page = rules.find((r) => r.alert === 'RedisHighFailureRatio')!;
    expect(page.expr).toContain('and on (cluster, namespace, job, client)');
    expect(page.expr).toContain('> 0.02');
    expect(page.for).toBe('2m');
    expect(page.labels?.severity).toBe('page');
    expect(rules.find((r) => r.alert === 'RedisServerDown')?.expr).toBe('redis_up{job="redis-exporter"} == 0');
    // Every raw library selector carries the service selector.
    for (const r of rules) {
      for (const s of parsePromQL(r.expr).selectors) {
        if (s.metric.startsWith('redis_resilience_') || s.metric.startsWith('db_client_')) {
          expect(s.matchers, `${s.metric} in ${r.alert ?? r.record}`).toContainEqual({
            label: 'job',
            op: '=~',
            value: 'checkout|cart',
          });
        }
      }
    }
    const am = alertmanagerConfig(CUSTOM).inhibit_rules[0];
    expect(am?.equal).toEqual(['cluster', 'namespace', 'job', 'client']);
    expect(am?.source_matchers).toEqual(['alertname=~"RedisHighFailureRatio|RedisServerDown"', 'severity="page"']);
  });

  it('generates a dashboard with a variable per extra label, filtering every library query on it', () => {
    const d = buildDashboard(CUSTOM);
    const vars = variableQueries(d).map((v) => v.name);
    expect(vars).toEqual(['cluster', 'namespace', 'job', 'client', 'redis_instance']);
    const queries = panelQueries(d);
    expect(queries.length).toBeGreaterThan(40);
    for (const q of queries) {
      for (const s of parsePromQL(q.expr.replace(/\$\{?\w+\}?/g, 'x')).selectors) {
        if (s.metric.startsWith('redis_') && !s.metric.startsWith('redis_resilience_') && !s.metric.includes(':'))
          continue;
        expect(
          s.matchers.map((m) => m.label),
          `${q.panel}: ${q.expr}`,
        ).toEqual(expect.arrayContaining(['cluster', 'namespace', 'job']));
      }
    }
  });
});
