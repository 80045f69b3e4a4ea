/**
 * The metric catalog: every metric this package emits, with its type, unit and bounded labels.
 * Dashboards and alert rules are checked against `METRIC_NAMES`, so a panel can never query a metric no code emits.
 */

import { METRIC_DB_CLIENT_OPERATION_DURATION } from '@opentelemetry/semantic-conventions';
import {
  METRIC_DB_CLIENT_CONNECTION_COUNT as CONNECTION_COUNT,
  METRIC_DB_CLIENT_CONNECTION_MAX as CONNECTION_MAX,
  METRIC_DB_CLIENT_CONNECTION_CREATE_TIME as CREATE_TIME,
  METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS as PENDING_REQUESTS,
  METRIC_DB_CLIENT_CONNECTION_TIMEOUTS as TIMEOUTS,
  METRIC_DB_CLIENT_CONNECTION_USE_TIME as USE_TIME,
  METRIC_DB_CLIENT_CONNECTION_WAIT_TIME as WAIT_TIME,
} from '@opentelemetry/semantic-conventions/incubating';
import { DB_DURATION_BUCKETS, LATENCY_BUCKETS, OPEN_DURATION_BUCKETS } from './catalog-values.js';

export { BREAKER_STATES, type BreakerStateName } from '../breaker/state.js';
export {
  FALLBACK_TYPES,
  type FallbackType,
  OUTCOMES,
  type Outcome,
  REPLAY_FAILURE_REASONS,
  type ReplayFailureReason,
  SPOOL_DAMAGE_REASONS,
  type SpoolDamageReason,
} from '../instrumentation.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec<T extends MetricType = MetricType> {
  /** Name without the configurable prefix (semconv `db_client_*` metrics are never prefixed). */
  readonly name: string;
  readonly type: T;
  readonly help: string;
  readonly labels: readonly string[];
  /** false for OpenTelemetry semconv names, which keep their standard spelling. */
  readonly prefixed: boolean;
  /** The semconv instrument name on the OpenTelemetry path; ours are named as in Prometheus (see otelName). */
  readonly semconv?: string;
  readonly buckets?: readonly number[];
  /**
   * Recorded on every call: kept off prom-client's per-update label hashing (see fast-metrics.ts). Only per-call
   * series are hot; everything else is a plain prom-client metric.
   */
  readonly hot: boolean;
}

export const DEFAULT_METRIC_PREFIX = 'redis_resilience_';

export {
  BREAKER_TRANSITIONS,
  CACHE_RESULTS,
  CONNECTION_ERROR_TYPES,
  DB_DURATION_BUCKETS,
  LATENCY_BUCKETS,
  OPEN_DURATION_BUCKETS,
  RETRY_CALL_KINDS,
  type RetryCallKind,
} from './catalog-values.js';

const spec = <T extends MetricType>(
  name: string,
  type: T,
  help: string,
  labels: readonly string[],
  extra: Partial<Pick<MetricSpec, 'buckets' | 'semconv'>> = {},
): MetricSpec<T> & { readonly hot: false } => ({
  name,
  type,
  help,
  labels,
  prefixed: extra.semconv === undefined,
  hot: false,
  ...extra,
});

/** A per-call series (see MetricSpec.hot). */
const hotSpec = <T extends 'counter' | 'histogram'>(
  ...args: Parameters<typeof spec<T>>
): MetricSpec<T> & { readonly hot: true } => ({ ...spec(...args), hot: true });

const POOL = ['db_system_name', 'db_client_connection_pool_name'];
const STATE = 'db_client_connection_state';

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
  failovers: spec('failovers_total', 'counter', 'Sentinel master switches observed by the client.', ['client']),
  slowCommands: spec('slow_commands_total', 'counter', 'Server SLOWLOG entries seen by the poller, by command.', [
    'client',
    'command',
  ]),
  dbOperationDuration: hotSpec(
    'db_client_operation_duration_seconds',
    'histogram',
    'Duration of one physical Redis attempt (OpenTelemetry semantic conventions).',
    ['db_system_name', 'db_operation_name', 'server_address', 'server_port', 'error_type'],
    { semconv: METRIC_DB_CLIENT_OPERATION_DURATION, buckets: DB_DURATION_BUCKETS },
  ),
  // Pool metrics (semconv): db_system_name keeps them apart from other clients' pools (pg, mysql …).
  poolConnectionCount: spec('db_client_connection_count', 'gauge', 'Pool connections by state.', [...POOL, STATE], {
    semconv: CONNECTION_COUNT,
  }),
  poolConnectionMax: spec('db_client_connection_max', 'gauge', 'Pool size.', POOL, { semconv: CONNECTION_MAX }),
  poolPendingRequests: spec(
    'db_client_connection_pending_requests',
    'gauge',
    'Requests waiting for a pool connection.',
    POOL,
    { semconv: PENDING_REQUESTS },
  ),
  poolTimeouts: spec('db_client_connection_timeouts_total', 'counter', 'Pool leases that timed out waiting.', POOL, {
    semconv: TIMEOUTS,
  }),
  poolCreateTime: spec('db_client_connection_create_time_seconds', 'histogram', 'Time to create a connection.', POOL, {
    semconv: CREATE_TIME,
    buckets: DB_DURATION_BUCKETS,
  }),
  poolWaitTime: spec('db_client_connection_wait_time_seconds', 'histogram', 'Time waited for a connection.', POOL, {
    semconv: WAIT_TIME,
    buckets: DB_DURATION_BUCKETS,
  }),
  poolUseTime: spec('db_client_connection_use_time_seconds', 'histogram', 'Time a connection was held.', POOL, {
    semconv: USE_TIME,
    buckets: DB_DURATION_BUCKETS,
  }),
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
