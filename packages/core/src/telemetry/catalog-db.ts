/**
 * The catalog's OpenTelemetry semconv entries (`db.client.*`), which keep their standard names (never prefixed) so
 * that dashboards can sum them with other sources.
 */
import { LATENCY_BUCKETS } from './buckets.js';
import { hotSpec, type MetricSpec, spec } from './metric-spec.js';

export const DB_CLIENT_METRICS = {
  dbOperationDuration: hotSpec(
    'db_client_operation_duration_seconds',
    'histogram',
    'Duration of one physical Redis attempt (OpenTelemetry semantic conventions).',
    ['db_system_name', 'db_operation_name', 'server_address', 'server_port', 'error_type'],
    { prefixed: false, buckets: LATENCY_BUCKETS },
  ),
  poolConnectionCount: spec(
    'db_client_connection_count',
    'gauge',
    'Pool connections by state.',
    ['db_client_connection_pool_name', 'db_client_connection_state'],
    { prefixed: false },
  ),
  poolConnectionMax: spec('db_client_connection_max', 'gauge', 'Pool size.', ['db_client_connection_pool_name'], {
    prefixed: false,
  }),
  poolPendingRequests: spec(
    'db_client_connection_pending_requests',
    'gauge',
    'Requests waiting for a pool connection.',
    ['db_client_connection_pool_name'],
    { prefixed: false },
  ),
  poolTimeouts: spec(
    'db_client_connection_timeouts_total',
    'counter',
    'Pool leases that timed out waiting.',
    ['db_client_connection_pool_name'],
    { prefixed: false },
  ),
  poolCreateTime: spec(
    'db_client_connection_create_time_seconds',
    'histogram',
    'Time to create a pool connection.',
    ['db_client_connection_pool_name'],
    { prefixed: false, buckets: LATENCY_BUCKETS },
  ),
  poolWaitTime: spec(
    'db_client_connection_wait_time_seconds',
    'histogram',
    'Time waited for a pool connection.',
    ['db_client_connection_pool_name'],
    { prefixed: false, buckets: LATENCY_BUCKETS },
  ),
  poolUseTime: spec(
    'db_client_connection_use_time_seconds',
    'histogram',
    'Time a pool connection was held.',
    ['db_client_connection_pool_name'],
    { prefixed: false, buckets: LATENCY_BUCKETS },
  ),
} as const satisfies Record<string, MetricSpec>;
