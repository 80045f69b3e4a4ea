/**
 * The metric catalog: every metric this package emits, with its type, unit and bounded labels.
 * Dashboards and alert rules are checked against `METRIC_NAMES`, so a panel can never query a metric no code emits.
 */

import { BREAKER_STATES, type BreakerStateName } from '../breaker/state.js';
import {
  FALLBACK_TYPES,
  type FallbackType,
  OUTCOMES,
  type Outcome,
  REPLAY_FAILURE_REASONS,
  type ReplayFailureReason,
  SESSION_DROP_REASONS,
  type SessionDropReason,
  SPOOL_DAMAGE_REASONS,
  type SpoolDamageReason,
} from '../instrumentation.js';

export {
  BREAKER_STATES,
  type BreakerStateName,
  FALLBACK_TYPES,
  type FallbackType,
  OUTCOMES,
  type Outcome,
  REPLAY_FAILURE_REASONS,
  type ReplayFailureReason,
  SESSION_DROP_REASONS,
  type SessionDropReason,
  SPOOL_DAMAGE_REASONS,
  type SpoolDamageReason,
};

import { LATENCY_BUCKETS, OPEN_DURATION_BUCKETS } from './buckets.js';
import { DB_CLIENT_METRICS } from './catalog-db.js';
import { hotSpec, type MetricSpec, spec } from './metric-spec.js';

export { DB_DURATION_BUCKETS, LATENCY_BUCKETS, OPEN_DURATION_BUCKETS } from './buckets.js';
export type { MetricSpec, MetricType } from './metric-spec.js';

export const DEFAULT_METRIC_PREFIX = 'redis_resilience_';

export const RETRY_CALL_KINDS = [
  'success_without_retry',
  'success_with_retry',
  'failed_without_retry',
  'failed_with_retry',
] as const;
export type RetryCallKind = (typeof RETRY_CALL_KINDS)[number];

export { CONNECTION_ERROR_TYPES } from '../errors/types.js';

export const CACHE_RESULTS = ['hit', 'miss', 'fallback'] as const;

/** Every transition the breaker can make. */
export const BREAKER_TRANSITIONS: ReadonlyArray<readonly [BreakerStateName, BreakerStateName]> = [
  ['closed', 'open'],
  ['open', 'half_open'],
  ['half_open', 'closed'],
  ['half_open', 'open'],
];

export const CATALOG = {
  operationDuration: hotSpec(
    'operation_duration_seconds',
    'histogram',
    'Duration of one logical Redis call (all attempts, retries and fallback) by outcome.',
    ['client', 'operation', 'outcome'],
    { buckets: LATENCY_BUCKETS },
  ),
  breakerState: spec(
    'circuit_breaker_state',
    'gauge',
    'Circuit breaker state: 1 for the current state, 0 for the others.',
    ['client', 'node', 'state'],
  ),
  breakerTransitions: spec('circuit_breaker_transitions_total', 'counter', 'Circuit breaker state transitions.', [
    'client',
    'node',
    'from_state',
    'to_state',
  ]),
  breakerProbes: spec(
    'circuit_breaker_probes_total',
    'counter',
    'Half-open probes (PING) by what started them (the reset timer or a reconnect) and their result.',
    ['client', 'node', 'trigger', 'result'],
  ),
  breakerOpenDuration: spec(
    'circuit_breaker_open_duration_seconds',
    'histogram',
    'How long the breaker refused calls, from opening to closing: the recovery time after an outage.',
    ['client', 'node'],
    { buckets: OPEN_DURATION_BUCKETS },
  ),
  retryAttempts: spec(
    'retry_attempts_total',
    'counter',
    'Retries scheduled after a failed attempt, by the error that caused them.',
    ['client', 'operation', 'error_type'],
  ),
  retryCalls: hotSpec('retry_calls_total', 'counter', 'Logical calls by retry outcome.', ['client', 'kind']),
  retryBudgetExhausted: spec(
    'retry_budget_exhausted_total',
    'counter',
    'Retries that were allowed by policy but refused because the retry budget was spent.',
    ['client', 'operation'],
  ),
  fallbackInvocations: spec(
    'fallback_invocations_total',
    'counter',
    'Fallbacks invoked because Redis was unavailable.',
    ['client', 'fallback_type', 'reason', 'outcome'],
  ),
  connectionErrors: spec('connection_errors_total', 'counter', 'Connection-level errors by type.', [
    'client',
    'error_type',
  ]),
  clientStatus: spec('client_status', 'gauge', 'Connection status: 1 for the current ioredis status.', [
    'client',
    'status',
  ]),
  reconnects: spec(
    'client_reconnects_total',
    'counter',
    'Lost connections that were re-established (one per outage, not one per attempt).',
    ['client'],
  ),
  offlineQueueLength: spec(
    'offline_queue_length',
    'gauge',
    'Commands waiting for a connection in the bounded offline queue.',
    ['client'],
  ),
  cacheRequests: spec('cache_requests_total', 'counter', 'cache.getOrLoad requests by result.', ['client', 'result']),
  queueSpooled: spec('queue_spooled_messages', 'gauge', 'Messages waiting in the durable local spool.', [
    'client',
    'stream',
  ]),
  queueReplayed: spec('queue_replayed_total', 'counter', 'Spooled messages replayed to Redis.', ['client', 'stream']),
  queueDeadLettered: spec('queue_dead_lettered_total', 'counter', 'Spooled messages moved to the dead-letter stream.', [
    'client',
    'stream',
  ]),
  queueSpoolQuarantined: spec(
    'queue_spool_quarantined_total',
    'counter',
    'Damaged queue spool files moved aside; the queue went on with a fresh spool holding what could be salvaged.',
    ['client', 'reason'],
  ),
  queueReplayFailures: spec(
    'queue_replay_failures_total',
    'counter',
    'Queue replay passes that met a spool error (damage included, even when the spool was then recovered).',
    ['client', 'reason'],
  ),
  sessionPendingWriteBacks: spec(
    'session_pending_writebacks',
    'gauge',
    'Session writes and destroys Redis could not take, kept in memory until Redis acknowledges each one.',
    ['client'],
  ),
  sessionWriteBackFailures: spec(
    'session_writeback_failures_total',
    'counter',
    'Pending session writes a write-back sent that Redis did not acknowledge, by error; all but command errors stay pending and are retried.',
    ['client', 'error_type'],
  ),
  sessionWriteBacksDropped: spec(
    'session_writeback_dropped_total',
    'counter',
    'Pending session writes given up without reaching Redis: evicted from the bounded memory, refused by a command error, or still pending at close.',
    ['client', 'reason'],
  ),
  failovers: spec('failovers_total', 'counter', 'Sentinel master switches observed by the client.', ['client']),
  slowCommands: spec('slow_commands_total', 'counter', 'Server SLOWLOG entries seen by the poller, by command.', [
    'client',
    'command',
  ]),
  ...DB_CLIENT_METRICS,
} as const satisfies Record<string, MetricSpec>;

export type Catalog = typeof CATALOG;
export type MetricKey = keyof Catalog;

/** The full exposition name of a catalog entry. */
export function metricName(spec: MetricSpec, prefix: string = DEFAULT_METRIC_PREFIX): string {
  return spec.prefixed ? prefix + spec.name : spec.name;
}

/**
 * The instrument name on the OpenTelemetry path: the semconv name, or ours spelled as in Prometheus without the
 * `_total` that the OTel→Prometheus translation adds to counters. Ours then come out the same whether or not the
 * exporter appends unit suffixes (the spec's translation skips a unit the name already ends with).
 */
export function otelName(spec: MetricSpec, prefix: string = DEFAULT_METRIC_PREFIX): string {
  return spec.semconv ?? metricName(spec, prefix).replace(/_total$/, '');
}

/** Every metric family name under the default prefix; what dashboards and alert rules may reference. */
export const METRIC_NAMES: readonly string[] = Object.values(CATALOG).map((s) => metricName(s));

/** The series names Prometheus derives from a family (histogram `_bucket`, `_sum`, `_count`). */
export function seriesNames(prefix: string = DEFAULT_METRIC_PREFIX): string[] {
  return Object.values(CATALOG).flatMap((s) => {
    const n = metricName(s, prefix);
    return s.type === 'histogram' ? [n, `${n}_bucket`, `${n}_sum`, `${n}_count`] : [n];
  });
}
