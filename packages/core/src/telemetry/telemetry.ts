/**
 * One instance's telemetry: the registry and its catalog, the spans, the logs, the optional SDK and `/metrics`
 * listener, behind the single Instrumentation the executor reports to.
 */
import { diag, type TracerProvider, trace } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import type { Endpoint, Instrumentation } from '../instrumentation.js';
import type { ResolvedOptions } from '../options.js';
import { type ExpositionFormat, renderMetrics } from './exposition.js';
import { type MetricsServer, metricsHandler, startMetricsServer } from './http.js';
import { TelemetryLog } from './logging.js';
import { type CatalogMetrics, createMetrics } from './metrics.js';
import { Recorder } from './recorder.js';
import { startTracingSdk, type TracingSdk } from './sdk.js';
import { Spans } from './spans.js';

export interface Telemetry {
  /** What the executor, connection and breaker report to. Never throws. */
  readonly instrumentation: Instrumentation;
  /** The registry metrics live in (the user's, or one owned by this instance); undefined with `metrics: false`. */
  readonly registry: Registry | undefined;
  /** The catalog's metric objects, for modules that record their own (cache, queue, pool, slowlog). */
  readonly catalog: CatalogMetrics | undefined;
  /** Exposition text of this instance's registry; '' with `metrics: false`. Exemplars only in OpenMetrics. */
  metrics(format?: ExpositionFormat): Promise<string>;
  /** Start the `/metrics` listener when `metrics.port` is set; otherwise resolves at once. */
  startServer(): Promise<void>;
  serverAddress(): { port: number; address: string } | undefined;
  /** Stop the listener, flush spans, and shut the SDK down if this instance started it. Idempotent, never throws. */
  close(): Promise<void>;
}

/** Seams for tests: a tracer provider that is not the global one, a clock for the log rate limit. */
export interface TelemetryInternals {
  tracerProvider?: TracerProvider;
  now?: () => number;
}

/** How long close() waits for spans to flush before giving up on them. */
const FLUSH_TIMEOUT_MS = 5000;

function bounded(work: Promise<unknown>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      diag.warn(`@redis-resilience/core telemetry: ${what} did not finish within ${FLUSH_TIMEOUT_MS} ms`);
      resolve();
    }, FLUSH_TIMEOUT_MS);
    timer.unref();
  });
  const done = work.then(
    () => undefined,
    (err: unknown) => diag.error(`@redis-resilience/core telemetry: ${what} failed`, err),
  );
  return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
}

/** Flush a provider we did not start (the app's), so the last calls' spans are not lost when we close. */
function flushGlobalProvider(): Promise<unknown> {
  const proxy = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  const provider = (proxy.getDelegate?.() ?? proxy) as TracerProvider & { forceFlush?: () => Promise<unknown> };
  return typeof provider.forceFlush === 'function' ? provider.forceFlush() : Promise.resolve();
}

function flushSpans(sdk: TracingSdk | undefined): Promise<unknown> {
  try {
    return sdk ? sdk.shutdown() : flushGlobalProvider();
  } catch (err) {
    return Promise.reject(err);
  }
}

export function createTelemetry(
  options: ResolvedOptions,
  endpoint: Endpoint,
  internals: TelemetryInternals = {},
): Telemetry {
  // Before any tracer is taken, so spans of the very first commands already reach the SDK.
  let sdk: TracingSdk | undefined;
  try {
    sdk = internals.tracerProvider ? undefined : startTracingSdk(options.tracing, options.serviceName);
  } catch (err) {
    diag.error(
      '@redis-resilience/core telemetry: starting the OpenTelemetry SDK failed; spans go to the API only',
      err,
    );
  }

  const metricsOptions = options.metrics;
  const registry = metricsOptions === false ? undefined : (metricsOptions.registry ?? new Registry());
  const metrics =
    registry && metricsOptions !== false
      ? createMetrics(registry, {
          prefix: metricsOptions.prefix,
          client: options.clientName,
          server: { address: endpoint.address, port: endpoint.port },
        })
      : undefined;
  const spans = new Spans({
    endpoint,
    dbQueryText: options.tracing !== false && options.tracing.dbQueryText === true,
    ...(internals.tracerProvider && { tracerProvider: internals.tracerProvider }),
  });
  const log = new TelemetryLog(options.logger, options.clientName, endpoint, internals.now);
  const instrumentation = new Recorder({ metrics, spans, log });

  let server: MetricsServer | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const telemetry: Telemetry = {
    instrumentation,
    registry,
    catalog: metrics?.all,
    async metrics(format = 'prometheus') {
      return registry ? renderMetrics(registry, format) : '';
    },
    startServer() {
      if (metricsOptions === false || metricsOptions.port === undefined || closing) return Promise.resolve();
      starting ??= startMetricsServer({ ...metricsOptions, port: metricsOptions.port }, metricsHandler(telemetry)).then(
        (s) => {
          server = s;
        },
      );
      return starting;
    },
    serverAddress() {
      return server && { port: server.port, address: server.address };
    },
    close() {
      closing ??= (async () => {
        await starting?.catch(() => {});
        const stops: Promise<void>[] = [];
        if (server) stops.push(bounded(server.close(), 'stopping the metrics listener'));
        stops.push(bounded(flushSpans(sdk), 'flushing spans'));
        await Promise.all(stops);
        server = undefined;
      })();
      return closing;
    },
  };
  return telemetry;
}
