/**
 * The alerts, from the mixin config. One Redis outage pages each affected service once (RedisHighFailureRatio, per
 * service); everything else it causes is a ticket, and the Alertmanager inhibition (alertmanager.ts) mutes those
 * tickets while the page fires.
 */
import type { MetricKey } from '@redis-resilience/core/catalog';
import { type AlertName, humanDuration, type MixinConfig, serviceLabels } from '../config.js';
import { ruleSelector, splitMatchers, vectorSelector } from '../metrics.js';
import { recordedName } from './recording.js';
import type { AlertingRule, RuleGroup } from './types.js';

type Definition = Omit<AlertingRule, 'alert' | 'for' | 'labels' | 'annotations'> & {
  readonly summary: string;
  readonly description: string;
};

export function alertingRules(c: MixinConfig): RuleGroup<AlertingRule> {
  const t = c.thresholds;
  const on = `on (${serviceLabels(c).join(', ')})`;
  const by = (...more: string[]) => [...serviceLabels(c), ...more].join(', ');
  const rec = (key: Parameters<typeof recordedName>[1]) => recordedName(c, key);
  const forOf = (a: AlertName) => humanDuration(c.alerts[a].for);
  const long = humanDuration(c.windows.long);
  const trafficGuard = `and ${on}\n${rec('operationsRate')} > ${t.minCallRate}\n`;
  const pct = (x: number) => `${Math.round(x * 10000) / 100}%`;
  const short = c.windows.short;
  /**
   * Any increase of a counter over `window`. increase() needs two samples of a series, so a series that appears with
   * its first event already counted is caught by the second branch: a series that did not exist `window` ago.
   */
  const anyIncrease = (key: MetricKey, labels: string, window: string) => {
    const s = ruleSelector(c, key);
    return `sum by (${labels}) (increase(${s}[${window}])) > 0\nor\nsum by (${labels}) (\n  ${s} unless ${s} offset ${window}\n) > 0\n`;
  };

  const defs: Record<AlertName, Definition> = {
    RedisHighFailureRatio: {
      comment:
        'The page: calls of one service fail. Two windows: the long one rises past the threshold quickly in an outage,\n' +
        'the short one makes the page resolve soon after Redis is back instead of when the outage leaves the long window.',
      expr:
        `${rec('failureRatio')} > ${t.failureRatio}\nand ${on}\n` +
        `${rec('failureRatioShort')} > ${t.failureRatio}\n${trafficGuard}`,
      summary: '{{ $value | humanizePercentage }} of Redis calls fail for {{ $labels.client }}',
      description:
        `Over the last ${long} {{ $value | humanizePercentage }} of the Redis calls of client {{ $labels.client }} ` +
        `({{ $labels.job }}) failed or were rejected by the circuit breaker, and they still fail (threshold ` +
        `${pct(t.failureRatio)} over ${long} and over ${humanDuration(c.windows.short)}, at least ${t.minCallRate} calls/s).`,
    },
    RedisCircuitBreakerOpen: {
      comment:
        'Half-open counts as not closed: a breaker whose probes keep failing flips open -> half_open -> open and must\n' +
        'not reset the timer each time. One alert per service and Redis node, whatever the number of instances.',
      expr: `count by (${by('node')}) (\n  max without (state) (${ruleSelector(c, 'breakerState', { match: ['state=~"open|half_open"'] })}) == 1\n)\n`,
      summary: 'Redis circuit breaker open for {{ $labels.client }} on {{ $value }} instance(s)',
      description:
        'The circuit breaker of client {{ $labels.client }} ({{ $labels.job }}) for Redis node {{ $labels.node }} ' +
        `has not closed for more than ${forOf('RedisCircuitBreakerOpen')} on {{ $value }} instance(s). Calls there ` +
        'are rejected without reaching Redis; only fallbacks serve them.',
    },
    RedisServerDown: {
      expr: `${vectorSelector('redis_up', splitMatchers(c.exporterSelector))} == 0`,
      summary: 'Redis {{ $labels.instance }} is down',
      description:
        'redis_exporter ({{ $labels.job }}, {{ $labels.instance }}) has not been able to connect to Redis and run ' +
        `INFO for ${forOf('RedisServerDown')}.`,
    },
    RedisRetryStorm: {
      expr: `${rec('retryAttemptsPerCall')} > ${t.retriesPerCall}\n${trafficGuard}`,
      summary: 'Redis retry storm for {{ $labels.client }} ({{ printf "%.2f" $value }} retries per call)',
      description:
        'Client {{ $labels.client }} ({{ $labels.job }}) scheduled {{ printf "%.2f" $value }} retries per logical call ' +
        `over the last ${long} (threshold ${t.retriesPerCall}). Retries add load to a Redis that is already failing.`,
    },
    RedisFallbackRateHigh: {
      expr: `${rec('fallbackRatio')} > ${t.fallbackRatio}\n${trafficGuard}`,
      summary: '{{ $value | humanizePercentage }} of Redis calls served by fallbacks for {{ $labels.client }}',
      description:
        `For ${forOf('RedisFallbackRateHigh')}, fallbacks have served {{ $value | humanizePercentage }} of the Redis ` +
        `calls of client {{ $labels.client }} ({{ $labels.job }}) (threshold ${pct(t.fallbackRatio)}). The service is ` +
        'degraded and the primary sources carry the load the cache would have taken.',
    },
    RedisLatencyP99High: {
      expr: `${rec('latencyP99')} > ${t.latencyP99Seconds}\n${trafficGuard}`,
      summary: 'Redis p99 latency {{ $value | humanizeDuration }} for {{ $labels.client }}',
      description:
        'The p99 duration of Redis calls of client {{ $labels.client }} ({{ $labels.job }}), rejected calls ' +
        `excluded, has been above ${t.latencyP99Seconds * 1000}ms for ${forOf('RedisLatencyP99High')} ` +
        '(now {{ $value | humanizeDuration }}).',
    },
    RedisOfflineQueueGrowing: {
      comment: 'The offline queue only holds commands while there is no usable connection.',
      expr: `${ruleSelector(c, 'offlineQueueLength')} > 0`,
      summary: 'Redis offline queue not draining for {{ $labels.client }} on {{ $labels.instance }}',
      description:
        '{{ $value }} commands of client {{ $labels.client }} ({{ $labels.job }}, {{ $labels.instance }}) are ' +
        `waiting for a Redis connection, and the offline queue has not been empty for ${forOf('RedisOfflineQueueGrowing')}.`,
    },
    RedisQueueSpoolGrowing: {
      expr: `${ruleSelector(c, 'queueSpooled')} > 0\nand\nderiv(${ruleSelector(c, 'queueSpooled')}[10m]) > 0\n`,
      summary: 'Local queue spool growing for stream {{ $labels.stream }} ({{ $labels.client }})',
      description:
        '{{ $value }} messages for stream {{ $labels.stream }} are in the local spool of {{ $labels.client }} ' +
        `({{ $labels.job }}, {{ $labels.instance }}) and the spool has kept growing for ${forOf('RedisQueueSpoolGrowing')}: ` +
        'messages are not reaching Redis.',
    },
    RedisPoolSaturated: {
      expr: `${ruleSelector(c, 'poolPendingRequests')} > 0`,
      summary: 'Redis connection pool {{ $labels.db_client_connection_pool_name }} saturated on {{ $labels.instance }}',
      description:
        'Requests have been waiting for a connection of pool {{ $labels.db_client_connection_pool_name }} ' +
        `({{ $labels.job }}, {{ $labels.instance }}) for ${forOf('RedisPoolSaturated')}; {{ $value }} are waiting now.`,
    },
    RedisReconnectFlapping: {
      expr: `sum by (${[...c.extraLabels, 'job', 'instance', 'client'].join(', ')}) (increase(${ruleSelector(c, 'reconnects')}[10m])) > ${t.reconnects}`,
      summary: 'Redis client {{ $labels.client }} reconnecting repeatedly on {{ $labels.instance }}',
      description:
        'Client {{ $labels.client }} ({{ $labels.job }}, {{ $labels.instance }}) started {{ $value | humanize }} ' +
        `reconnections in the last 10 minutes (threshold ${t.reconnects}).`,
    },
    RedisQueueDeadLetters: {
      comment:
        'increase() needs two samples of a series, so the first dead letter of a new series (the counter appears with\n' +
        'value 1) is caught by the second branch: a series that did not exist 10 minutes ago.',
      expr: anyIncrease('queueDeadLettered', by('stream'), '10m'),
      summary: 'Messages dead-lettered for stream {{ $labels.stream }} ({{ $labels.client }})',
      description:
        'Client {{ $labels.client }} ({{ $labels.job }}) moved spooled messages for stream {{ $labels.stream }} to ' +
        'the dead-letter stream in the last 10 minutes. They will not be delivered without a manual replay.',
    },
    RedisOutOfMemory: {
      comment:
        'Per service and Redis server: the attempt histogram (OpenTelemetry semconv) has no client label. The short\n' +
        'window and the for: make it "refused in every minute for a while", not one refusal near the limit.',
      expr: `sum by (${[...c.extraLabels, 'job', 'server_address', 'server_port'].join(', ')}) (\n  rate(${ruleSelector(c, 'dbOperationDuration', { series: 'count', match: ['error_type="oom"'] })}[${short}])\n) > 0\n`,
      summary: 'Redis {{ $labels.server_address }}:{{ $labels.server_port }} out of memory: writes fail',
      description:
        `For ${forOf('RedisOutOfMemory')}, Redis {{ $labels.server_address }}:{{ $labels.server_port }} has refused ` +
        'writes of {{ $labels.job }} with OOM ({{ printf "%.2f" $value }} attempts/s): it is at maxmemory under the ' +
        'noeviction policy. Reads still work and the circuit breaker stays closed; the writes fail.',
    },
    RedisSessionWriteBackDropped: {
      comment:
        'Every drop is a session write lost for good. The core creates each reason at 0, and the second branch\n' +
        'catches a process that dropped before its first scrape.',
      expr: anyIncrease('sessionWriteBacksDropped', by('reason'), '5m'),
      summary: 'Session writes of {{ $labels.client }} dropped before reaching Redis ({{ $labels.reason }})',
      description:
        'Client {{ $labels.client }} ({{ $labels.job }}) gave up session writes it had kept in memory for Redis ' +
        '(reason {{ $labels.reason }}) in the last 5 minutes. Those writes never reach Redis: the users lose that ' +
        'session state.',
    },
    RedisQueueSpoolQuarantined: {
      comment:
        'Damage is usually found when the spool opens, at the first publish after a restart, before the first scrape\n' +
        'of a new process: the second branch catches a series that appears already counted.',
      expr: anyIncrease('queueSpoolQuarantined', by('instance', 'reason'), '10m'),
      summary: 'Damaged queue spool moved aside on {{ $labels.instance }} ({{ $labels.reason }})',
      description:
        'Client {{ $labels.client }} ({{ $labels.job }}, {{ $labels.instance }}) found its queue spool file damaged ' +
        '({{ $labels.reason }}) in the last 10 minutes, moved it aside and went on with a fresh spool holding the ' +
        'messages it could salvage. Messages that could not be read are not delivered.',
    },
    RedisQueueReplayFailing: {
      comment:
        'Replay runs every replayIntervalMs (1s) while the spool holds messages: a failing spool fails every pass.',
      expr: `sum by (${by('instance', 'reason')}) (rate(${ruleSelector(c, 'queueReplayFailures')}[${short}])) > 0`,
      summary: 'Queue spool replay failing on {{ $labels.instance }} ({{ $labels.reason }})',
      description:
        'Replay passes of the queue spool of client {{ $labels.client }} ({{ $labels.job }}, {{ $labels.instance }}) ' +
        `have failed with a spool error ({{ $labels.reason }}) for ${forOf('RedisQueueReplayFailing')}: spooled ` +
        'messages are not reaching Redis.',
    },
  };

  return {
    name: 'redis-resilience.alerts',
    rules: (Object.keys(defs) as AlertName[]).map((alert) => {
      const { summary, description, ...rule } = defs[alert];
      const a = c.alerts[alert];
      return {
        alert,
        ...rule,
        ...(a.for !== undefined && { for: a.for }),
        labels: { severity: c.severities[a.urgency] },
        annotations: { summary, description, runbook_url: `${c.runbookBaseUrl}${alert}.md` },
      };
    }),
  };
}

/** The alerts that page, by name. */
export function pagingAlerts(c: MixinConfig): AlertName[] {
  return (Object.keys(c.alerts) as AlertName[]).filter((a) => c.alerts[a].urgency === 'page');
}
