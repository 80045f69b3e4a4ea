import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDashboard } from '../src/dashboard.js';
import { DASHBOARD_PATH, renderDashboard } from '../src/generate.js';
import { panelsWithRows } from '../src/queries.js';

describe('dashboard JSON', () => {
  it('is committed as generated (stale check)', () => {
    const committed = readFileSync(DASHBOARD_PATH, 'utf8');
    expect(
      committed === renderDashboard(),
      'grafana/dashboards/redis-resilience.json is stale: run `pnpm --filter @redis-resilience/grafana generate` and commit the result',
    ).toBe(true);
  });

  it('has the rows of the design, the Redis server row collapsed', () => {
    const rows = (buildDashboard().panels ?? []).filter((p) => p.type === 'row') as {
      title: string;
      collapsed: boolean;
    }[];
    expect(rows.map((r) => [r.title, r.collapsed])).toEqual([
      ['Overview', false],
      ['Circuit breaker', false],
      ['Retries', false],
      ['Fallbacks', false],
      ['Durability (OOM, session write-back, queue spool)', false],
      ['Connection & pool', false],
      ['Redis server (redis_exporter)', true],
    ]);
  });

  it('gives every panel a unique id and a place on the 24-column grid', () => {
    const d = buildDashboard();
    const all = [
      ...(d.panels ?? []),
      ...(d.panels ?? []).flatMap((p) => (p.type === 'row' ? ((p as { panels: typeof d.panels }).panels ?? []) : [])),
    ];
    const ids = all.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of all) {
      expect(p.gridPos, `panel ${p.id}`).toBeDefined();
      expect((p.gridPos?.x ?? 0) + (p.gridPos?.w ?? 0), `panel ${p.id} overflows the grid`).toBeLessThanOrEqual(24);
    }
  });

  it('enables exemplars on the latency panels and only on histogram queries', () => {
    const latency = panelsWithRows().filter(({ panel }) => /^Latency by/.test(panel.title ?? ''));
    expect(latency.length).toBeGreaterThanOrEqual(2);
    for (const { panel } of latency) {
      for (const t of (panel.targets ?? []) as unknown as { exemplar?: boolean; expr: string }[]) {
        expect(t.exemplar, `${panel.title}: ${t.expr}`).toBe(true);
      }
    }
    for (const { panel } of panelsWithRows()) {
      for (const t of (panel.targets ?? []) as unknown as { exemplar?: boolean; expr: string }[]) {
        if (t.exemplar) expect(t.expr, panel.title).toContain('_bucket{');
      }
    }
  });

  it('declares the datasource, job and client variables', () => {
    const vars = buildDashboard().templating.list ?? [];
    expect(vars.map((v) => [v.name, v.type])).toEqual(
      expect.arrayContaining([
        ['datasource', 'datasource'],
        ['job', 'query'],
        ['client', 'query'],
      ]),
    );
    expect(vars.find((v) => v.name === 'datasource')?.query).toBe('prometheus');
  });
});
