/**
 * The catalog's OpenTelemetry semconv entries (`db.client.*`), which keep their standard names (never prefixed) so
 * that dashboards can sum them with other sources.
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
import { DB_DURATION_BUCKETS } from './buckets.js';
import { hotSpec, type MetricSpec, spec } from './metric-spec.js';

// db_system_name keeps our pools apart from other clients' pools (pg, mysql …) in the same series.
const POOL = ['db_system_name', 'db_client_connection_pool_name'];
const STATE = 'db_client_connection_state';

export const DB_CLIENT_METRICS = {
  dbOperationDuration: hotSpec(
    'db_client_operation_duration_seconds',
    'histogram',
    'Duration of one physical Redis attempt (OpenTelemetry semantic conventions).',
    ['db_system_name', 'db_operation_name', 'server_address', 'server_port', 'error_type'],
    { semconv: METRIC_DB_CLIENT_OPERATION_DURATION, buckets: DB_DURATION_BUCKETS },
  ),
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
