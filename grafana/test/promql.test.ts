/** (b) every expression parses; (c) every metric it names exists; label names exist on the metrics they filter. */

import { METRIC_NAMES, seriesNames } from '@redis-resilience/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { annotationQueries, panelQueries, substituteVariables, variableQueries } from '../src/queries.js';
import { REDIS_EXPORTER_METRICS } from '../src/redis-exporter.js';
import { recordedNames } from '../src/rules/recording.js';
import { knownSeries, parsePromQL, recordingRules, ruleGroups } from './helpers.js';

interface Expr {
  readonly where: string;
  readonly expr: string;
  readonly legend?: string;
}

const dashboardExprs = (): Expr[] => [
  ...panelQueries().map((q) => ({
    where: `panel "${q.row} › ${q.panel}" ${q.refId}`,
    expr: substituteVariables(q.expr),
    ...(q.legendFormat && { legend: q.legendFormat }),
  })),
  ...annotationQueries().map((a) => ({ where: `annotation "${a.name}"`, expr: substituteVariables(a.expr) })),
  ...variableQueries().map((v) => ({ where: `variable $${v.name}`, expr: substituteVariables(v.selector) })),
];

const ruleExprs = (): Expr[] =>
  ruleGroups().flatMap((g) => g.rules.map((r) => ({ where: `rule ${g.name}/${r.alert ?? r.record}`, expr: r.expr })));

describe('PromQL', () => {
  const all = [...dashboardExprs(), ...ruleExprs()];

  it('finds the dashboard and rule expressions', () => {
    expect(dashboardExprs().length).toBeGreaterThan(50);
    expect(ruleExprs().length).toBe(
      recordingRules().length +
        ruleGroups()
          .flatMap((g) => g.rules)
          .filter((r) => r.alert).length,
    );
  });

  it('leaves no template variable unsubstituted', () => {
    for (const { where, expr } of dashboardExprs()) expect(expr, where).not.toMatch(/\$/);
  });

  it.each(all.map((e) => [e.where, e] as const))('%s parses without error nodes', (_where, { expr }) => {
    expect(parsePromQL(expr).errors).toEqual([]);
  });

  it('detects a broken expression (the parser check can fail)', () => {
    expect(parsePromQL('sum by (le) (rate(foo_bucket{client=~"x"[5m]))').errors).not.toEqual([]);
    expect(parsePromQL('histogram_quantile(0.99, sum by (le) (rate(foo_bucket[1m]))').errors).not.toEqual([]);
  });

  it.each(all.map((e) => [e.where, e] as const))('%s names only known metrics', (_where, { expr }) => {
    const known = knownSeries();
    const { selectors } = parsePromQL(expr);
    expect(selectors.length).toBeGreaterThan(0);
    for (const s of selectors) {
      expect(s.metric, `selector without a metric name in ${expr}`).not.toBe('');
      expect(
        known.has(s.metric),
        `${s.metric} is not in seriesNames() of the catalog, redis_exporter's list or the recording rules`,
      ).toBe(true);
    }
  });

  it.each(all.map((e) => [e.where, e] as const))('%s uses only labels its metrics have', (_where, { expr, legend }) => {
    const known = knownSeries();
    const { selectors, groupingLabels } = parsePromQL(expr);
    const available = new Set<string>(['le']);
    for (const s of selectors) {
      const labels = known.get(s.metric) ?? [];
      for (const l of labels) available.add(l);
      for (const m of s.matchers) {
        if (m.label === '__name__') continue;
        expect(labels, `${s.metric} has no label ${m.label}`).toContain(m.label);
      }
    }
    for (const l of groupingLabels) expect([...available], `grouping label ${l}`).toContain(l);
    for (const [, l] of (legend ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
      expect([...available], `legend {{${l}}}`).toContain(l);
    }
  });

  it('flags a metric the catalog lacks (the name check can fail)', () => {
    const known = knownSeries();
    const { selectors } = parsePromQL('rate(redis_resilience_operation_duration_seconds_buckets[5m])');
    expect(selectors.map((s) => known.has(s.metric))).toEqual([false]);
  });

  it("names only metrics of the core catalog, redis_exporter's list or the recording rules, checked at the source", () => {
    // Taken from the published package (METRIC_NAMES / seriesNames), not from the helpers that built knownSeries().
    const recorded = recordingRules().map((r) => r.record);
    const allowed = new Set([...seriesNames(), ...REDIS_EXPORTER_METRICS, ...recorded]);
    for (const family of METRIC_NAMES) expect(seriesNames()).toContain(family);
    const used = new Set(all.flatMap((e) => parsePromQL(e.expr).selectors.map((s) => s.metric)));
    expect(used.size).toBeGreaterThan(30);
    for (const name of used) expect(allowed, `${name} is in no list`).toContain(name);
    // What the label checks above consult is exactly that set: nothing added by hand, nothing missing.
    expect(new Set(knownSeries().keys())).toEqual(allowed);
    // The dashboard reads only recording rules the rule file records.
    for (const name of Object.values(recordedNames(DEFAULT_CONFIG)))
      expect(recorded, `${name} is not recorded`).toContain(name);
  });
});
