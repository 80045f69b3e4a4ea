/**
 * The breaker-recovery panels' queries, evaluated by Prometheus's own engine (promtool test rules, promql_expr_test)
 * on a scripted history: a breaker whose histogram and transitions counter appear with its first trip and close, as
 * prom-client creates them, then a second, long outage. The first events must count, and the last recovery must be
 * the exact open duration (no extrapolation skew between _sum and _count).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OPEN_DURATION_BUCKETS } from '@redis-resilience/core/catalog';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { panelQueries, substituteVariables } from '../src/queries.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rr-recovery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LABELS = 'job="checkout", instance="checkout-0:3000", client="checkout-api", node="default"';
const VARS = {
  job: 'checkout',
  client: 'checkout-api',
  __range: '12m',
  // Not a multiple of the 15 s samples, as real scrapes never line up with a window: increase() would extrapolate.
  __rate_interval: '50s',
  __interval: '15s',
};
/** Open durations of the two recoveries, in seconds: a blip, then an outage of a minute and a half. */
const FIRST = 0.023;
const SECOND = 91.035;

/**
 * Every 15 s: absent until the first close at 2m, `a` until the second close at 10m, then `b` until 15m. The same
 * shape for every series of one event history.
 */
const history = (a: number, b: number) => `_x8 ${a}x31 ${b}x20`;

function inputSeries() {
  const histogram = 'redis_resilience_circuit_breaker_open_duration_seconds';
  const count = (upTo: number, observations: number[]) => observations.filter((o) => o <= upTo).length;
  const buckets = [...OPEN_DURATION_BUCKETS, Number.POSITIVE_INFINITY].map((le) => ({
    series: `${histogram}_bucket{${LABELS}, le="${le === Number.POSITIVE_INFINITY ? '+Inf' : le}"}`,
    values: history(count(le, [FIRST]), count(le, [FIRST, SECOND])),
  }));
  return [
    ...buckets,
    { series: `${histogram}_sum{${LABELS}}`, values: history(FIRST, FIRST + SECOND) },
    { series: `${histogram}_count{${LABELS}}`, values: history(1, 2) },
    // Two trips: the counter appears with the first.
    {
      series: `redis_resilience_circuit_breaker_transitions_total{${LABELS}, from_state="closed", to_state="open"}`,
      values: history(1, 2),
    },
  ];
}

function panelExpr(panel: string, legend?: string, range = VARS.__range): string {
  const q = panelQueries().find((p) => p.panel === panel && (legend === undefined || p.legendFormat === legend));
  if (!q) throw new Error(`no query ${panel} ${legend ?? ''}`);
  return substituteVariables(q.expr, { ...VARS, __range: range });
}

/** Runs promtool on one promql_expr_test at `evalTime`; returns its output and status. */
function evaluate(expr: string, value: number, evalTime = '12m'): { status: number | null; output: string } {
  const file = path.join(tmp, `t${Math.random().toString(36).slice(2)}.test.yml`);
  writeFileSync(
    file,
    stringify({
      evaluation_interval: '15s',
      tests: [
        {
          interval: '15s',
          input_series: inputSeries(),
          promql_expr_test: [{ expr, eval_time: evalTime, exp_samples: [{ labels: '{}', value }] }],
        },
      ],
    }),
  );
  const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool not found: install with `apt-get install -y prometheus`');
  }
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('breaker recovery panels, evaluated by promtool', () => {
  it('last recovery: the exact open duration of the latest close', () => {
    const { status, output } = evaluate(panelExpr('Recovery time (time range)', 'last'), SECOND);
    expect(status, output).toBe(0);
  });

  it('last recovery after the first close of the process (the histogram appears with it)', () => {
    const { status, output } = evaluate(panelExpr('Recovery time (time range)', 'last', '5m'), FIRST, '5m');
    expect(status, output).toBe(0);
  });

  // Two recoveries, 0.023 s and 91 s: the median falls in the first bucket (0, 0.25], the p95 in (60, 120].
  it.each([
    ['p50', 0.25],
    ['p95', 60 + (120 - 60) * (0.95 * 2 - 1)],
  ])('%s counts the first close too (the histogram appears with it)', (legend, value) => {
    const { status, output } = evaluate(panelExpr('Recovery time (time range)', legend), value);
    expect(status, output).toBe(0);
  });

  it('trips: both, the first included (the counter appears with it)', () => {
    const { status, output } = evaluate(panelExpr('Trips (time range)'), 2);
    expect(status, output).toBe(0);
  });

  it('fails on a wrong value (the check can fail)', () => {
    const { status } = evaluate(panelExpr('Recovery time (time range)', 'last'), SECOND + 1);
    expect(status).not.toBe(0);
  });
});
