import * as common from '@grafana/grafana-foundation-sdk/common';
import { RETRY_CALL_KINDS, type RetryCallKind } from '@redis-resilience/core/catalog';
import { COLOR, type Row, timeseries } from '../common.js';
import { humanDuration } from '../config.js';
import type { DashboardPromql } from '../dashboard-promql.js';

const KIND_COLOR: Record<RetryCallKind, string> = {
  success_without_retry: 'green',
  success_with_retry: 'yellow',
  failed_without_retry: 'orange',
  failed_with_retry: 'red',
};

export function retriesRow({ rate, recorded, config }: DashboardPromql): Row {
  const threshold = config.thresholds.retriesPerCall;
  const byKind = timeseries({
    title: 'Calls by retry outcome',
    description:
      'Share of logical calls that succeeded or failed, with or without retries. A growing success_with_retry share is ' +
      'an early sign of a struggling Redis; failed_with_retry means retries did not help.',
    unit: 'percentunit',
    stacking: common.StackingMode.Percent,
    targets: [{ expr: `sum by (kind) (${rate('retryCalls')})`, legend: '{{kind}}' }],
  });
  for (const kind of RETRY_CALL_KINDS) {
    byKind.overrideByName(kind, [{ id: 'color', value: { mode: 'fixed', fixedColor: KIND_COLOR[kind] } }]);
  }

  return {
    title: 'Retries',
    collapsed: false,
    panels: [
      timeseries({
        title: 'Retry attempts by error type',
        description: 'Retries scheduled per second, by the classified error of the attempt that failed.',
        unit: 'ops',
        stacking: common.StackingMode.Normal,
        targets: [{ expr: `sum by (error_type) (${rate('retryAttempts')})`, legend: '{{error_type}}' }],
      }),
      timeseries({
        title: 'Retry attempts by operation',
        description:
          'Retries scheduled per second, by command. Non-idempotent writes only retry when the command never left.',
        unit: 'ops',
        targets: [
          { expr: `sum by (client, operation) (${rate('retryAttempts')})`, legend: '{{client}} · {{operation}}' },
        ],
      }),
      byKind,
      timeseries({
        title: 'Retries per call by client (alert signal)',
        description: `The RedisRetryStorm signal: retries scheduled per logical call over ${humanDuration(config.windows.long)}, with its ${threshold} threshold dashed.`,
        width: 12,
        min: 0,
        thresholdLines: [[threshold, COLOR.bad]],
        targets: [{ expr: recorded('retryAttemptsPerCall'), legend: '{{job}} · {{client}}' }],
      }),
      timeseries({
        title: 'Retry budget exhausted',
        description:
          'Retries the policy allowed but the retry budget refused. Non-zero means the budget is doing its job: it caps ' +
          'the extra load retries put on a struggling Redis.',
        width: 12,
        unit: 'ops',
        targets: [
          {
            expr: `sum by (client, operation) (${rate('retryBudgetExhausted')})`,
            legend: '{{client}} · {{operation}}',
          },
        ],
      }),
    ],
  };
}
