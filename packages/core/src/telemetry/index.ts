/** What init and the other modules need from telemetry. The public package API re-exports from here. */
export { CONTENT_TYPES, type ExpositionFormat, negotiateFormat, renderMetrics } from './exposition.js';
export { CounterSeries, FastCounter, FastHistogram, HistogramSeries } from './fast-metrics.js';
export {
  type MetricsHandler,
  type MetricsServer,
  type MetricsSource,
  metricsHandler,
  startMetricsServer,
} from './http.js';
export { ERROR_LOG_WINDOW_MS, TelemetryLog } from './logging.js';
export {
  type CatalogMetrics,
  createMetrics,
  type ExemplarLabels,
  Metrics,
  type MetricsConfig,
  type PoolStats,
} from './metrics.js';
export { LOGICAL_OPERATIONS, type OperationInfo, OTHER_OPERATION, operationInfo } from './operations.js';
export { hasGlobalTracerProvider } from './provider.js';
export { Recorder } from './recorder.js';
export { startTracingSdk, type TracingSdk } from './sdk.js';
export { Spans, TRACER_NAME } from './spans.js';
export { createTelemetry, type Telemetry, type TelemetryInternals } from './telemetry.js';
