/** `@redis-resilience/core/otel`: start an OpenTelemetry SDK for an app that has none (see otel/start.ts). */
export {
  EXPORT_TIMEOUT_MS,
  type StartedOpenTelemetry,
  type StartOptions,
  startOpenTelemetry,
  tracesUrl,
} from './otel/start.js';
