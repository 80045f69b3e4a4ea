/** (g) every panel goes through ${datasource}; every selector carries the dashboard's filters. */
import { describe, expect, it } from 'vitest';
import { buildDashboard } from '../src/dashboard.js';
import {
  annotationQueries,
  panelQueries,
  panelsWithRows,
  SAMPLE_VARIABLES,
  substituteVariables,
} from '../src/queries.js';
import {
  catalogSeriesLabels,
  exporterSeriesLabels,
  parsePromQL,
  recordingRuleLabels,
  type Selector,
} from './helpers.js';

const DATASOURCE = { type: 'prometheus', uid: `\${datasource}` };

// Distinct values, so a matcher on the wrong variable cannot pass for the right one.
const VALUES = {
  ...SAMPLE_VARIABLES,
  job: 'job-under-test',
  client: 'client-under-test',
  redis_instance: 'redis-under-test',
};

function hasRegexMatcher(s: Selector, label: string, value: string): boolean {
  return s.matchers.some((m) => m.label === label && m.op === '=~' && m.value === value);
}

/** The filter a selector must carry, by what kind of metric it selects. */
function missingFilters(s: Selector): string[] {
  const missing: string[] = [];
  const ours = catalogSeriesLabels().get(s.metric) ?? recordingRuleLabels().get(s.metric);
  if (ours) {
    if (!hasRegexMatcher(s, 'job', VALUES.job)) missing.push('job=~"$job"');
    if (ours.includes('client') && !hasRegexMatcher(s, 'client', VALUES.client)) missing.push('client=~"$client"');
  } else if (exporterSeriesLabels().has(s.metric)) {
    if (!hasRegexMatcher(s, 'instance', VALUES.redis_instance)) missing.push('instance=~"$redis_instance"');
  } else {
    missing.push(`(unknown metric ${s.metric})`);
  }
  return missing;
}

describe('panels', () => {
  it('every panel and every target use the datasource variable', () => {
    const panels = panelsWithRows();
    expect(panels.length).toBeGreaterThan(40);
    for (const { row, panel } of panels) {
      expect(panel.datasource, `${row} › ${panel.title}`).toEqual(DATASOURCE);
      expect(panel.targets?.length, `${row} › ${panel.title} has no query`).toBeGreaterThan(0);
      for (const t of (panel.targets ?? []) as unknown as { datasource?: unknown; refId?: string }[]) {
        expect(t.datasource, `${row} › ${panel.title} ${t.refId}`).toEqual(DATASOURCE);
      }
    }
    for (const v of buildDashboard().templating.list ?? []) {
      if (v.type === 'query') expect(v.datasource, `variable ${v.name}`).toEqual(DATASOURCE);
    }
  });

  it('gives every panel a title, a description and unique refIds', () => {
    for (const { row, panel } of panelsWithRows()) {
      expect(panel.title, row).toBeTruthy();
      expect(panel.description, `${row} › ${panel.title}`).toBeTruthy();
      const refIds = ((panel.targets ?? []) as unknown as { refId: string }[]).map((t) => t.refId);
      expect(new Set(refIds).size, `${row} › ${panel.title}`).toBe(refIds.length);
      expect(refIds.every(Boolean)).toBe(true);
    }
  });

  it.each(panelQueries().map((q) => [`${q.row} › ${q.panel} ${q.refId}`, q.expr] as const))(
    '%s filters by $job and $client wherever the metric has them',
    (_where, expr) => {
      for (const s of parsePromQL(substituteVariables(expr, VALUES)).selectors) {
        expect(missingFilters(s), `${s.metric} in ${expr}`).toEqual([]);
      }
    },
  );

  it.each(annotationQueries().map((a) => [a.name, a.expr] as const))('annotation %s is filtered too', (_name, expr) => {
    for (const s of parsePromQL(substituteVariables(expr, VALUES)).selectors) {
      expect(missingFilters(s), `${s.metric} in ${expr}`).toEqual([]);
    }
  });

  it('catches a selector without the client filter (the check can fail)', () => {
    const [s] = parsePromQL('rate(redis_resilience_retry_calls_total{job=~"job-under-test"}[1m])').selectors;
    expect(missingFilters(s!)).toEqual(['client=~"$client"']);
  });
});
