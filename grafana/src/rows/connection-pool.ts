import * as common from '@grafana/grafana-foundation-sdk/common';
import { CONNECTION_ERROR_TYPES } from '@redis-resilience/core/catalog';
import { COLOR, type Row, timeseries } from '../common.js';
import { humanDuration } from '../config.js';
import type { DashboardPromql } from '../dashboard-promql.js';

const POOL = 'db_client_connection_pool_name';

export function connectionPoolRow(q: DashboardPromql): Row {
  const { increase, quantile, rate, selector, config } = q;
  return {
    title: 'Connection & pool',
    collapsed: false,
    panels: [
      timeseries({
        title: 'Client status',
        description:
          'Processes per ioredis connection status. Healthy is all `ready`; `reconnecting`, `connecting` or `end` ' +
          'means callers wait in the offline queue or get RedisUnavailableError.',
        stacking: common.StackingMode.Normal,
        decimals: 0,
        targets: [
          {
            expr: `count by (client, status) (${selector('clientStatus')} == 1)`,
            legend: '{{client}} · {{status}}',
          },
        ],
      }).overrideByRegexp('.* · ready$', [{ id: 'color', value: { mode: 'fixed', fixedColor: COLOR.ok } }]),
      timeseries({
        title: 'Reconnects and failovers',
        description:
          'Reconnection attempts started by the client, and Sentinel master switches it observed, per interval. ' +
          `RedisReconnectFlapping fires on more than ${config.thresholds.reconnects} reconnects in 10 minutes.`,
        bars: true,
        decimals: 0,
        targets: [
          {
            expr: `sum by (client, instance) (${increase('reconnects')})`,
            legend: 'reconnects {{client}} · {{instance}}',
          },
          { expr: `sum by (client) (${increase('failovers')})`, legend: 'failovers {{client}}' },
        ],
      }),
      timeseries({
        title: 'Connection errors by type',
        description: `Connection-level errors per second by class (${CONNECTION_ERROR_TYPES.join(', ')}).`,
        unit: 'ops',
        stacking: common.StackingMode.Normal,
        targets: [{ expr: `sum by (error_type) (${rate('connectionErrors')})`, legend: '{{error_type}}' }],
      }),
      timeseries({
        title: 'Offline queue length',
        description:
          'Commands waiting for a connection in the bounded offline queue, per process. Only non-zero while there is ' +
          `no connection; RedisOfflineQueueGrowing fires when that lasts ${humanDuration(config.alerts.RedisOfflineQueueGrowing.for)}.`,
        targets: [
          {
            expr: `max by (client, instance) (${selector('offlineQueueLength')})`,
            legend: '{{client}} · {{instance}}',
          },
        ],
      }),
      timeseries({
        title: 'Pool connections (used / idle / max)',
        description: 'Pool connections by state, summed over processes, with the configured maximum dashed.',
        stacking: common.StackingMode.None,
        targets: [
          {
            expr: `sum by (${POOL}, db_client_connection_state) (${selector('poolConnectionCount')})`,
            legend: `{{${POOL}}} {{db_client_connection_state}}`,
          },
          { expr: `sum by (${POOL}) (${selector('poolConnectionMax')})`, legend: `{{${POOL}}} max` },
        ],
      }).overrideByRegexp('.* max$', [
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        { id: 'custom.fillOpacity', value: 0 },
        { id: 'color', value: { mode: 'fixed', fixedColor: COLOR.bad } },
      ]),
      timeseries({
        title: 'Pool pending requests',
        description:
          'Requests waiting for a free pool connection, per process. Sustained non-zero means the pool is too small ' +
          'or connections are held too long (RedisPoolSaturated).',
        targets: [
          {
            expr: `sum by (${POOL}, instance) (${selector('poolPendingRequests')})`,
            legend: `{{${POOL}}} · {{instance}}`,
          },
        ],
      }),
      timeseries({
        title: 'Pool wait time (p50 / p99)',
        description: 'Time a request waited for a pool connection.',
        unit: 's',
        targets: [0.5, 0.99].map((q) => ({
          expr: quantile(q, 'poolWaitTime', [POOL]),
          legend: `{{${POOL}}} p${q * 100}`,
        })),
      }),
      timeseries({
        title: 'Pool lease timeouts and use time',
        description:
          'Leases that timed out waiting for a connection (bars), and p99 of how long a connection was held.',
        targets: [
          { expr: `sum by (${POOL}) (${increase('poolTimeouts')})`, legend: `{{${POOL}}} timeouts` },
          { expr: quantile(0.99, 'poolUseTime', [POOL]), legend: `{{${POOL}}} use time p99` },
        ],
      })
        .overrideByRegexp('.* timeouts$', [
          { id: 'custom.drawStyle', value: 'bars' },
          { id: 'color', value: { mode: 'fixed', fixedColor: COLOR.bad } },
        ])
        .overrideByRegexp('.* use time p99$', [
          { id: 'unit', value: 's' },
          { id: 'custom.axisPlacement', value: 'right' },
        ]),
      timeseries({
        title: 'Attempt latency p99 by server',
        description:
          'p99 of single physical attempts (OpenTelemetry db.client.operation.duration) by Redis server. Compare with ' +
          'logical call latency: a gap means retries or waits, not Redis itself.',
        unit: 's',
        targets: [
          {
            expr: quantile(0.99, 'dbOperationDuration', ['server_address', 'server_port']),
            legend: '{{server_address}}:{{server_port}}',
          },
        ],
      }),
    ],
  };
}
