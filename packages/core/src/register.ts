/**
 * `import '@redis-resilience/core/register'` (or `node --import @redis-resilience/core/register app.js`): start
 * the OpenTelemetry SDK, configured by the OTEL_* variables alone, for an app that has none. An app with its own
 * SDK does not import this. The SDK is flushed by `rr.close()`; `shutdownOpenTelemetry()` stops it.
 */
import { startOpenTelemetry } from './otel/start.js';

const started = startOpenTelemetry();

/** Flush and stop the SDK this import started (nothing when it started none). */
export function shutdownOpenTelemetry(): Promise<void> {
  return started.shutdown();
}
