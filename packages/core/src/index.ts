export type { BreakerStateName, TransitionCause } from './breaker/state.js';
export type { ResilientClient } from './client/guarded-client.js';
export { type Classification, classifyError, type ErrorCategory, type ErrorType } from './errors/classify.js';
export {
  CircuitOpenError,
  ClientClosedError,
  CommandTimeoutError,
  type ErrorCode,
  InvalidOptionsError,
  isCircuitOpenError,
  isCommandTimeoutError,
  isInvalidOptionsError,
  isOfflineQueueFullError,
  isPoolTimeoutError,
  isRedisResilienceError,
  isRedisUnavailableError,
  isRetriesExhaustedError,
  isUnsupportedCommandError,
  OfflineQueueFullError,
  PoolTimeoutError,
  RedisResilienceError,
  RedisUnavailableError,
  RetriesExhaustedError,
  UnsupportedCommandError,
} from './errors/errors.js';
export { ERROR_TYPES } from './errors/types.js';
export type {
  ResilienceEventMap,
  ResilienceEventName,
  ResilienceEvents,
  ResilienceListener,
} from './events.js';
export {
  type BinaryCodec,
  type Cache,
  type CacheOptions,
  type Codec,
  type FallbackOptions,
  type GetOrLoadOptions,
  isLoaderTimeoutError,
  isSpoolFullError,
  jsonCodec,
  type Loader,
  LoaderTimeoutError,
  type PublishOptions,
  type PublishResult,
  type SessionRecord,
  type SessionSerializer,
  type SessionStore,
  type SessionStoreOptions,
  SpoolFullError,
  type StreamPayload,
  type StreamQueue,
  type StreamQueueOptions,
  type TextCodec,
  type WithFallback,
} from './fallback/index.js';
export type { HealthReport, HealthStatus, QueueHealth } from './health.js';
export { type InitInternals, init, type RedisResilience } from './init.js';
/** The telemetry seam, for tests and integrations that pass their own (`init(options, { instrumentation })`). */
export type {
  CallTracker,
  Endpoint,
  Instrumentation,
  PoolStats,
  TelemetryEvent,
  TelemetryEvents,
} from './instrumentation.js';
export type { Logger } from './logger.js';
export type {
  BreakerOptions,
  MetricsOptions,
  PoolOptions,
  QueueOptions,
  ResilienceOptions,
  ResolvedOptions,
  RetryBudgetOptions,
  RetryOptions,
  SlowlogOptions,
  TimeoutOptions,
  TracingOptions,
} from './options/index.js';
export { DEFAULTS } from './options/index.js';
export { CATALOG, METRIC_NAMES, otelName, seriesNames } from './telemetry/catalog.js';
export { prometheusExporterViews } from './telemetry/otel-catalog.js';
