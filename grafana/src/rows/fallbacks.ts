import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CACHE_RESULTS, FALLBACK_TYPES } from '@redis-resilience/core/catalog';
import { COLOR, type Row, timeseries } from '../common.js';
import { humanDuration } from '../config.js';
import type { DashboardPromql } from '../dashboard-promql.js';

const CACHE_RESULT_COLOR: Record<(typeof CACHE_RESULTS)[number], string> = {
  hit: 'green',
  miss: 'blue',
  fallback: 'orange',
};

export function fallbacksRow({ increase, rate, selector, recorded, config }: DashboardPromql): Row {
  const threshold = config.thresholds.fallbackRatio;
  const cache = timeseries({
    title: 'Cache results (hit / miss / fallback)',
    description:
      'cache.getOrLoad requests by result. `fallback` means Redis was unavailable and the loader (primary source) ' +
      'answered directly: the primary source takes that load.',
    unit: 'percentunit',
    stacking: common.StackingMode.Percent,
    targets: [{ expr: `sum by (result) (${rate('cacheRequests')})`, legend: '{{result}}' }],
  });
  for (const result of CACHE_RESULTS) {
    cache.overrideByName(result, [{ id: 'color', value: { mode: 'fixed', fixedColor: CACHE_RESULT_COLOR[result] } }]);
  }

  return {
    title: 'Fallbacks',
    collapsed: false,
    panels: [
      timeseries({
        title: 'Fallback invocations by type and reason',
        description:
          `Fallbacks invoked per second (${FALLBACK_TYPES.join(', ')}), by why Redis was not used and whether the ` +
          'fallback served the call. `failed` means the caller got an error after all.',
        unit: 'ops',
        targets: [
          {
            expr: `sum by (fallback_type, reason, outcome) (${rate('fallbackInvocations')})`,
            legend: '{{fallback_type}} · {{reason}} ({{outcome}})',
          },
        ],
      }).overrideByRegexp('.*\\(failed\\)$', [{ id: 'color', value: { mode: 'fixed', fixedColor: COLOR.bad } }]),
      timeseries({
        title: 'Fallbacks per call by client (alert signal)',
        description: `The RedisFallbackRateHigh signal over ${humanDuration(config.windows.long)}, with its ${threshold * 100}% threshold dashed.`,
        unit: 'percentunit',
        min: 0,
        thresholdLines: [[threshold, COLOR.bad]],
        targets: [{ expr: recorded('fallbackRatio'), legend: '{{job}} · {{client}}' }],
      }),
      cache,
      timeseries({
        title: 'Queue spool depth',
        description:
          'Messages waiting in the durable local spool, per process and stream. It fills while Redis is unavailable and ' +
          'drains by replay once it is back; RedisQueueSpoolGrowing fires when it keeps growing.',
        targets: [
          {
            expr: `sum by (instance, client, stream) (${selector('queueSpooled')})`,
            legend: '{{client}} · {{stream}} · {{instance}}',
          },
        ],
      }),
      timeseries({
        title: 'Spooled messages replayed',
        description: 'Spooled messages replayed to their Redis stream per second.',
        unit: 'ops',
        targets: [{ expr: `sum by (client, stream) (${rate('queueReplayed')})`, legend: '{{client}} · {{stream}}' }],
      }),
      timeseries({
        title: 'Messages dead-lettered',
        description:
          'Spooled messages given up on and moved to the dead-letter stream, per interval. Every one needs a look: ' +
          'RedisQueueDeadLetters fires on the first.',
        bars: true,
        targets: [
          { expr: `sum by (client, stream) (${increase('queueDeadLettered')})`, legend: '{{client}} · {{stream}}' },
        ],
      }).colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor(COLOR.bad)),
    ],
  };
}
