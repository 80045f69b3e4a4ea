import { COLOR, type Row, stat, timeseries, valueMap } from '../common.js';
import { humanDuration } from '../config.js';
import type { DashboardPromql } from '../dashboard-promql.js';
import { type RedisExporterMetric, redisSelector } from '../redis-exporter.js';

const RATE = '[$__rate_interval]';

/** redis_exporter's view of the server, collapsed by default: open it when the client-side rows point at Redis. */
export function redisServerRow({ increase, config }: DashboardPromql): Row {
  const r = (name: RedisExporterMetric) => redisSelector(config, name);
  return {
    title: 'Redis server (redis_exporter)',
    collapsed: true,
    panels: [
      stat({
        title: 'Redis up',
        description: `redis_exporter could connect and run INFO (redis_up). RedisServerDown fires after ${humanDuration(config.alerts.RedisServerDown.for)} at 0.`,
        targets: [{ expr: `min(${r('redis_up')})` }],
        mappings: [valueMap({ '0': { text: 'DOWN', color: COLOR.bad }, '1': { text: 'UP', color: COLOR.ok } })],
        steps: [
          [null, COLOR.bad],
          [1, COLOR.ok],
        ],
      }),
      stat({
        title: 'Uptime',
        description:
          'Time since the Redis process started (lowest across the selected instances). A reset is a restart.',
        unit: 's',
        targets: [{ expr: `min(${r('redis_uptime_in_seconds')})` }],
        steps: [
          [null, COLOR.warn],
          [600, COLOR.ok],
        ],
      }),
      stat({
        title: 'Connected clients',
        description: 'Client connections to Redis, all instances.',
        targets: [{ expr: `sum(${r('redis_connected_clients')})` }],
        steps: [[null, COLOR.info]],
      }),
      stat({
        title: 'Memory used / maxmemory',
        description: 'used_memory over maxmemory (highest instance). Empty when maxmemory is 0 (unlimited).',
        unit: 'percentunit',
        decimals: 1,
        noValue: 'no maxmemory',
        targets: [{ expr: `max(${r('redis_memory_used_bytes')} / (${r('redis_memory_max_bytes')} > 0))` }],
        steps: [
          [null, COLOR.ok],
          [0.8, COLOR.warn],
          [0.95, COLOR.bad],
        ],
      }),
      stat({
        title: 'Slowlog length',
        description: 'Entries in SLOWLOG (highest instance). Read them with SLOWLOG GET.',
        targets: [{ expr: `max(${r('redis_slowlog_length')})` }],
        steps: [
          [null, COLOR.ok],
          [1, COLOR.warn],
        ],
      }),
      stat({
        title: 'Evicted keys (time range)',
        description: 'Keys evicted by the maxmemory policy during the selected time range.',
        decimals: 0,
        targets: [{ expr: `sum(increase(${r('redis_evicted_keys_total')}[$__range]))`, instant: true }],
        steps: [
          [null, COLOR.ok],
          [1, COLOR.warn],
        ],
      }),
      timeseries({
        title: 'Commands processed',
        description: 'Commands executed by Redis per second (total_commands_processed).',
        unit: 'ops',
        targets: [
          { expr: `sum by (instance) (rate(${r('redis_commands_processed_total')}${RATE}))`, legend: '{{instance}}' },
        ],
      }),
      timeseries({
        title: 'Top 10 commands by rate',
        description: 'Calls per second by command, from INFO commandstats.',
        unit: 'ops',
        targets: [{ expr: `topk(10, sum by (cmd) (rate(${r('redis_commands_total')}${RATE})))`, legend: '{{cmd}}' }],
      }),
      timeseries({
        title: 'Server-side time per call by command',
        description:
          'Average time Redis spent executing one call, by command (usec_per_call). Excludes network and queueing: if ' +
          'client latency is high and this is low, look at the network, the client or the pool.',
        unit: 's',
        targets: [
          {
            expr:
              `sum by (cmd) (rate(${r('redis_commands_duration_seconds_total')}${RATE})) / ` +
              `sum by (cmd) (rate(${r('redis_commands_total')}${RATE}))`,
            legend: '{{cmd}}',
          },
        ],
      }),
      timeseries({
        title: 'Memory',
        description: 'used_memory against maxmemory, per instance.',
        unit: 'bytes',
        targets: [
          { expr: `sum by (instance) (${r('redis_memory_used_bytes')})`, legend: 'used {{instance}}' },
          { expr: `sum by (instance) (${r('redis_memory_max_bytes')} > 0)`, legend: 'max {{instance}}' },
        ],
      }).overrideByRegexp('^max .*', [
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        { id: 'color', value: { mode: 'fixed', fixedColor: COLOR.bad } },
      ]),
      timeseries({
        title: 'Clients',
        description:
          'Connected and blocked clients, and connections Redis refused because maxclients was reached (per second).',
        targets: [
          { expr: `sum by (instance) (${r('redis_connected_clients')})`, legend: 'connected {{instance}}' },
          { expr: `sum by (instance) (${r('redis_blocked_clients')})`, legend: 'blocked {{instance}}' },
          { expr: `sum by (instance) (${r('redis_config_maxclients')})`, legend: 'maxclients {{instance}}' },
          {
            expr: `sum by (instance) (rate(${r('redis_rejected_connections_total')}${RATE}))`,
            legend: 'rejected/s {{instance}}',
          },
        ],
      }).overrideByRegexp('^rejected.*', [{ id: 'color', value: { mode: 'fixed', fixedColor: COLOR.bad } }]),
      timeseries({
        title: 'Keyspace hit ratio and evictions',
        description: 'keyspace_hits / (hits + misses), and keys evicted or expired per second.',
        targets: [
          {
            expr:
              `sum by (instance) (rate(${r('redis_keyspace_hits_total')}${RATE})) / ` +
              `(sum by (instance) (rate(${r('redis_keyspace_hits_total')}${RATE})) + ` +
              `sum by (instance) (rate(${r('redis_keyspace_misses_total')}${RATE})))`,
            legend: 'hit ratio {{instance}}',
          },
          {
            expr: `sum by (instance) (rate(${r('redis_evicted_keys_total')}${RATE}))`,
            legend: 'evicted/s {{instance}}',
          },
          {
            expr: `sum by (instance) (rate(${r('redis_expired_keys_total')}${RATE}))`,
            legend: 'expired/s {{instance}}',
          },
        ],
      }).overrideByRegexp('^hit ratio.*', [
        { id: 'unit', value: 'percentunit' },
        { id: 'max', value: 1 },
        { id: 'custom.axisPlacement', value: 'right' },
      ]),
      timeseries({
        title: 'Slowlog length and replicas',
        description: 'SLOWLOG entries (server side) and connected replicas, per instance.',
        width: 12,
        targets: [
          { expr: `max by (instance) (${r('redis_slowlog_length')})`, legend: 'slowlog {{instance}}' },
          { expr: `max by (instance) (${r('redis_connected_slaves')})`, legend: 'replicas {{instance}}' },
          {
            expr: `max by (instance) (${r('redis_mem_fragmentation_ratio')})`,
            legend: 'fragmentation ratio {{instance}}',
          },
        ],
      }),
      timeseries({
        title: 'Slow commands seen by clients',
        description:
          'New SLOWLOG entries found by the client-side poller, by command, per interval. Unlike the exporter this ' +
          'is filtered by the job and client variables.',
        width: 12,
        bars: true,
        decimals: 0,
        targets: [
          { expr: `sum by (client, command) (${increase('slowCommands')})`, legend: '{{client}} · {{command}}' },
        ],
      }),
    ],
  };
}
