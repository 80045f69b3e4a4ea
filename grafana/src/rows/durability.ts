import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { REPLAY_FAILURE_REASONS, SESSION_DROP_REASONS, SPOOL_DAMAGE_REASONS } from '@redis-resilience/core/catalog';
import { COLOR, type Row, timeseries } from '../common.js';
import { humanDuration } from '../config.js';
import type { DashboardPromql } from '../dashboard-promql.js';

const RED = new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor(COLOR.bad);

/**
 * What happens to writes Redis does not take: refused with OOM, kept by the session store until written back, spooled
 * by the queue. Every panel here is about a write that is late, or lost.
 */
export function durabilityRow({ increase, rate, selector, config }: DashboardPromql): Row {
  const oomFor = humanDuration(config.alerts.RedisOutOfMemory.for);
  const failedAttempts = (match: string) => rate('dbOperationDuration', { series: 'count', match: [match] });
  return {
    title: 'Durability (OOM, session write-back, queue spool)',
    collapsed: false,
    panels: [
      timeseries({
        title: 'Failed attempts by error type (oom: writes refused)',
        description:
          'Physical attempts that failed, per second, by classified error type (db.client.operation.duration: all ' +
          'clients of the selected jobs, it has no client label). `oom`: Redis is at maxmemory under noeviction and ' +
          `refuses writes; reads keep working and the breaker stays closed. RedisOutOfMemory fires when it lasts ${oomFor}.`,
        width: 12,
        unit: 'ops',
        targets: [{ expr: `sum by (error_type) (${failedAttempts('error_type!=""')})`, legend: '{{error_type}}' }],
      }).overrideByName('oom', [
        { id: 'color', value: { mode: 'fixed', fixedColor: COLOR.bad } },
        { id: 'custom.lineWidth', value: 3 },
      ]),
      timeseries({
        title: 'OOM refusals by server and command',
        description:
          'Writes Redis refused with OOM, per second, by server and command: which Redis is full, and whose writes ' +
          'fail (SET from the cache, XADD from the queue, the session store).',
        width: 12,
        unit: 'ops',
        targets: [
          {
            expr: `sum by (server_address, server_port, db_operation_name) (${failedAttempts('error_type="oom"')})`,
            legend: '{{server_address}}:{{server_port}} · {{db_operation_name}}',
          },
        ],
      }).colorScheme(RED),
      timeseries({
        title: 'Session writes pending write-back',
        description:
          'Session writes and destroys Redis could not take, kept in memory until Redis acknowledges each one, per ' +
          'process. They fill during an outage or an OOM and drain by write-back once Redis takes writes again.',
        targets: [
          {
            expr: `sum by (client, instance) (${selector('sessionPendingWriteBacks')})`,
            legend: '{{client}} · {{instance}}',
          },
        ],
      }),
      timeseries({
        title: 'Session write-back failures by error type',
        description:
          'Pending session writes a write-back sent and Redis did not acknowledge, per second. All but command ' +
          'errors stay pending and are sent again: this is delay, not loss.',
        unit: 'ops',
        targets: [
          {
            expr: `sum by (client, error_type) (${rate('sessionWriteBackFailures')})`,
            legend: '{{client}} · {{error_type}}',
          },
        ],
      }),
      timeseries({
        title: 'Session writes dropped',
        description:
          `Pending session writes given up without reaching Redis, per interval, by reason (${SESSION_DROP_REASONS.join(', ')}). ` +
          'Each one is lost for good: RedisSessionWriteBackDropped fires on the first.',
        bars: true,
        decimals: 0,
        targets: [
          {
            expr: `sum by (client, reason) (${increase('sessionWriteBacksDropped')})`,
            legend: '{{client}} · {{reason}}',
          },
        ],
      }).colorScheme(RED),
      timeseries({
        title: 'Queue spool files quarantined',
        description:
          `Damaged spool files moved aside, per interval, by reason (${SPOOL_DAMAGE_REASONS.join(', ')}). The queue goes ` +
          'on with a fresh spool holding what could be salvaged: RedisQueueSpoolQuarantined fires on the first.',
        width: 12,
        bars: true,
        decimals: 0,
        targets: [
          {
            expr: `sum by (client, instance, reason) (${increase('queueSpoolQuarantined')})`,
            legend: '{{client}} · {{instance}} · {{reason}}',
          },
        ],
      }).colorScheme(RED),
      timeseries({
        title: 'Queue replay failures by reason',
        description:
          `Replay passes that met a spool error, per second, by reason (${REPLAY_FAILURE_REASONS.join(', ')}). While ` +
          'the last pass failed, health() is degraded; RedisQueueReplayFailing fires when it lasts ' +
          `${humanDuration(config.alerts.RedisQueueReplayFailing.for)}.`,
        width: 12,
        unit: 'ops',
        targets: [
          {
            expr: `sum by (client, instance, reason) (${rate('queueReplayFailures')})`,
            legend: '{{client}} · {{instance}} · {{reason}}',
          },
        ],
      }),
    ],
  };
}
