import * as common from '@grafana/grafana-foundation-sdk/common';
import type { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { OUTCOMES, type Outcome } from '@redis-resilience/core/catalog';
import { COLOR, type Row, stat, timeseries } from '../common.js';
import { humanDuration } from '../config.js';
import type { DashboardPromql } from '../dashboard-promql.js';

const OUTCOME_COLOR: Record<Outcome, string> = {
  success: 'green',
  command_error: 'yellow',
  failure: 'red',
  rejected: 'purple',
  fallback: 'orange',
};

const QUANTILES = [0.5, 0.95, 0.99] as const;

function outcomeColors(panel: TimeseriesBuilder): TimeseriesBuilder {
  for (const outcome of OUTCOMES) {
    panel.overrideByName(outcome, [{ id: 'color', value: { mode: 'fixed', fixedColor: OUTCOME_COLOR[outcome] } }]);
  }
  return panel;
}

/** RED for logical calls: rate, errors, duration. One logical call = all its attempts, retries and fallback. */
export function overviewRow({ quantile, rate, selector, recorded, config }: DashboardPromql): Row {
  const calls = (match: readonly string[] = []) => rate('operationDuration', { series: 'count', match });
  const { thresholds } = config;
  const FAILURE_RATIO_THRESHOLD = thresholds.failureRatio;
  const LATENCY_P99_THRESHOLD_SECONDS = thresholds.latencyP99Seconds;
  const window = humanDuration(config.windows.long);
  return {
    title: 'Overview',
    collapsed: false,
    panels: [
      stat({
        title: 'Call rate',
        description: `Logical Redis calls per second over the last ${window}, all outcomes.`,
        unit: 'ops',
        targets: [{ expr: `sum(${recorded('operationsRate')})` }],
        steps: [[null, COLOR.info]],
        noValue: '0',
      }),
      stat({
        title: 'Failure ratio',
        description:
          `Share of calls that failed (\`failure\`) or were refused by the open circuit breaker (\`rejected\`), last ${window}. ` +
          'Command errors (WRONGTYPE …) are application bugs and fallbacks served a value, so neither counts. ' +
          `RedisHighFailureRatio fires above ${FAILURE_RATIO_THRESHOLD * 100}%.`,
        unit: 'percentunit',
        decimals: 2,
        targets: [{ expr: `sum(${recorded('failuresRate')}) / sum(${recorded('operationsRate')})` }],
        steps: [
          [null, COLOR.ok],
          [0.01, COLOR.warn],
          [FAILURE_RATIO_THRESHOLD, COLOR.bad],
        ],
      }),
      stat({
        title: 'p99 latency (worst client)',
        description:
          `Highest per-client p99 of logical call duration over the last ${window}, rejected calls excluded. ` +
          `RedisLatencyP99High fires above ${LATENCY_P99_THRESHOLD_SECONDS * 1000} ms.`,
        unit: 's',
        targets: [{ expr: `max(${recorded('latencyP99')})` }],
        steps: [
          [null, COLOR.ok],
          [LATENCY_P99_THRESHOLD_SECONDS / 2, COLOR.warn],
          [LATENCY_P99_THRESHOLD_SECONDS, COLOR.bad],
        ],
      }),
      stat({
        title: 'Breakers not closed',
        description: 'Circuit breakers (per process, client and node) that are open or half-open right now.',
        targets: [
          {
            expr: `count(max without (state) (${selector('breakerState', { match: ['state=~"open|half_open"'] })}) == 1) or vector(0)`,
          },
        ],
        steps: [
          [null, COLOR.ok],
          [1, COLOR.bad],
        ],
      }),
      stat({
        title: 'Retries per call',
        description:
          'Retries scheduled per logical call. 0 is normal; a sustained rise means Redis is failing transiently and the retry policy adds load.',
        unit: 'short',
        decimals: 3,
        targets: [
          {
            expr: `(sum(${rate('retryAttempts')}) or vector(0)) / sum(${rate('retryCalls')})`,
          },
        ],
        steps: [
          [null, COLOR.ok],
          [thresholds.retriesPerCall / 4, COLOR.warn],
          [thresholds.retriesPerCall, COLOR.bad],
        ],
      }),
      stat({
        title: 'Fallback ratio',
        description: 'Fallback invocations per logical call: how much of the traffic was served without Redis.',
        unit: 'percentunit',
        decimals: 2,
        targets: [{ expr: `(sum(${rate('fallbackInvocations')}) or vector(0)) / sum(${calls()})` }],
        steps: [
          [null, COLOR.ok],
          [thresholds.fallbackRatio / 5, COLOR.warn],
          [thresholds.fallbackRatio, COLOR.bad],
        ],
      }),
      outcomeColors(
        timeseries({
          title: 'Calls by outcome',
          description: `Logical calls per second by outcome (${OUTCOMES.join(', ')}).`,
          unit: 'ops',
          stacking: common.StackingMode.Normal,
          targets: [{ expr: `sum by (outcome) (${calls()})`, legend: '{{outcome}}' }],
        }),
      ),
      timeseries({
        title: 'Calls by operation',
        description: 'Logical calls per second by command (unknown commands collapse into one value).',
        unit: 'ops',
        targets: [{ expr: `sum by (operation) (${calls()})`, legend: '{{operation}}' }],
      }),
      outcomeColors(
        timeseries({
          title: 'Error ratio by outcome',
          description:
            'Share of calls that did not succeed, split by outcome. `fallback` calls were served by a fallback; `rejected` never reached Redis.',
          unit: 'percentunit',
          min: 0,
          stacking: common.StackingMode.Normal,
          targets: [
            {
              expr: `sum by (outcome) (${calls(['outcome!="success"'])}) / ignoring (outcome) group_left sum(${calls()})`,
              legend: '{{outcome}}',
            },
          ],
        }),
      ),
      timeseries({
        title: 'Latency by outcome (p50 / p95 / p99)',
        description:
          'Duration of logical calls by outcome. Exemplar dots link to the Jaeger trace of a call in that bucket.',
        unit: 's',
        width: 12,
        height: 9,
        legendTable: true,
        targets: QUANTILES.map((q) => ({
          expr: quantile(q, 'operationDuration', ['outcome']),
          legend: `{{outcome}} p${q * 100}`,
          exemplar: true,
        })),
      }),
      timeseries({
        title: 'Latency by operation (p50 / p95 / p99)',
        description:
          'Duration of logical calls by command, all outcomes. Exemplar dots link to the Jaeger trace of a call in that bucket.',
        unit: 's',
        width: 12,
        height: 9,
        legendTable: true,
        targets: QUANTILES.map((q) => ({
          expr: quantile(q, 'operationDuration', ['operation']),
          legend: `{{operation}} p${q * 100}`,
          exemplar: true,
        })),
      }),
      timeseries({
        title: 'Failure ratio by client (alert signal)',
        description: `The RedisHighFailureRatio signal, with its ${FAILURE_RATIO_THRESHOLD * 100}% threshold dashed.`,
        unit: 'percentunit',
        width: 12,
        min: 0,
        thresholdLines: [[FAILURE_RATIO_THRESHOLD, COLOR.bad]],
        targets: [{ expr: recorded('failureRatio'), legend: '{{job}} · {{client}}' }],
      }),
      timeseries({
        title: 'p99 latency by client (alert signal)',
        description: `The RedisLatencyP99High signal (rejected calls excluded), with its ${LATENCY_P99_THRESHOLD_SECONDS * 1000} ms threshold dashed.`,
        unit: 's',
        width: 12,
        min: 0,
        thresholdLines: [[LATENCY_P99_THRESHOLD_SECONDS, COLOR.bad]],
        targets: [{ expr: recorded('latencyP99'), legend: '{{job}} · {{client}}' }],
      }),
    ],
  };
}
