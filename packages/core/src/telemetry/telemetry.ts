/**
 * One instance's telemetry: the registry and its catalog (and the same catalog through the OTel Metrics API when a
 * MeterProvider is in use), the spans, the logs and the optional `/metrics` listener, behind the single
 * Instrumentation the executor reports to. A guest in the app's process: it starts, registers and shuts down no
 * OpenTelemetry provider, and leaves the API's globals as it found them.
 */
import { diag, type TracerProvider, trace } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { EventHub } from '../events.js';
import {
  type CallTracker,
  type Endpoint,
  type EventSink,
  type Instrumentation,
  noopTracker,
  type PoolStats,
  type TelemetryEvent,
  type TelemetryEvents,
} from '../instrumentation.js';
import type { ResolvedOptions } from '../options/index.js';
import { type ExpositionFormat, renderMetrics } from './exposition.js';
import { reportTelemetryError } from './guard.js';
import { type MetricsServer, metricsHandler, startMetricsServer } from './http.js';
import { TelemetryLog } from './logging.js';
import { MetricsSink } from './metrics.js';
import { OperationNames } from './operations.js';
import { MeterSource, otelCatalog } from './otel-catalog.js';
import { QueueMetrics } from './queue-metrics.js';
import { SessionMetrics } from './session-metrics.js';
import { Spans } from './spans.js';
import { CallRecord, type TrackerContext } from './tracker.js';

export interface Telemetry {
  /** What the executor, connection and breaker report to. Never throws. */
  readonly instrumentation: Instrumentation;
  /** The public `rr.events`. */
  readonly events: EventHub;
  /** The registry metrics live in (the user's, or one owned by this instance); undefined with `metrics: false`. */
  readonly registry: Registry | undefined;
  /** Exposition text of this instance's registry; '' with `metrics: false`. Exemplars only in OpenMetrics. */
  metrics(format?: ExpositionFormat): Promise<string>;
  /** Start the `/metrics` listener when `metrics.port` is set; otherwise resolves at once. */
  startServer(): Promise<void>;
  serverAddress(): { port: number; address: string } | undefined;
  /** Stop the listener and flush the app's tracer provider (bounded). Idempotent, never throws. */
  close(): Promise<void>;
}

/** Seams for tests: a tracer provider that is not the global one. */
export interface TelemetryInternals {
  tracerProvider?: TracerProvider;
}

/** The one Instrumentation: calls get a tracker; events go to every sink that handles them, each guarded. */
class Hub implements Instrumentation {
  private readonly names = new OperationNames();

  constructor(
    private readonly ctx: TrackerContext,
    private readonly sinks: readonly EventSink[],
  ) {}

  startCall(operation: string, args: readonly unknown[], startedAt: number = this.ctx.now()): CallTracker {
    try {
      const { metrics, otel, spans } = this.ctx;
      const op = this.names.resolve(operation);
      const series = metrics?.operation(op.label, op.spanName);
      const otelSeries = otel && this.ctx.otelReady() ? otel.operation(op.label, op.spanName) : undefined;
      return new CallRecord(this.ctx, op, series, startedAt, spans.start(op, args, startedAt), otelSeries);
    } catch (err) {
      reportTelemetryError('startCall', err);
      return noopTracker;
    }
  }

  emit<K extends TelemetryEvent>(event: K, data: TelemetryEvents[K]): void {
    for (const sink of this.sinks) {
      const handle = sink[event] as ((d: TelemetryEvents[K]) => void) | undefined;
      if (!handle) continue;
      try {
        handle.call(sink, data);
      } catch (err) {
        reportTelemetryError(event, err);
      }
    }
  }

  registerPool(pool: string, stats: () => PoolStats): void {
    try {
      this.ctx.metrics?.registerPool(pool, stats);
      this.ctx.otel?.registerPool(pool, stats);
    } catch (err) {
      reportTelemetryError('registerPool', err);
    }
  }
}

/** How long one export of spans may take when `@redis-resilience/core/register` started the SDK (otel/start.ts). */
export const EXPORT_TIMEOUT_MS = 1000;

/**
 * How long close() waits for the listener to stop and spans to flush before giving up on them: a little more than
 * one export may take, so that the exporter has finished (and left no timer) by the time close() resolves.
 */
export const FLUSH_TIMEOUT_MS = EXPORT_TIMEOUT_MS + 500;

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

/**
 * Flush the registered tracer provider (the app's, or the one register started) so that the last calls' spans are
 * not lost when we close. Flushing is all: a provider is shut down only by whoever started it.
 */
function flushSpans(): Promise<unknown> {
  try {
    const proxy = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
    const provider = (proxy.getDelegate?.() ?? proxy) as TracerProvider & { forceFlush?: () => Promise<unknown> };
    return typeof provider.forceFlush === 'function' ? provider.forceFlush() : Promise.resolve();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** A catalog sink with the session and queue sinks that write to the same catalog. */
function metricSinks(sink: MetricsSink | undefined, client: string): EventSink[] {
  return sink ? [sink, new SessionMetrics(sink.all, client), new QueueMetrics(sink.all, client)] : [];
}

export function createTelemetry(
  options: ResolvedOptions,
  endpoint: Endpoint,
  clock: Pick<Clock, 'now'>,
  internals: TelemetryInternals = {},
): Telemetry {
  const metricsOptions = options.metrics;
  const registry = metricsOptions === false ? undefined : (metricsOptions.registry ?? new Registry());
  const metrics =
    registry && metricsOptions !== false
      ? new MetricsSink(registry, {
          prefix: metricsOptions.prefix,
          client: options.clientName,
          server: { address: endpoint.address, port: endpoint.port },
        })
      : undefined;
  const now = () => clock.now();
  const meterProvider = metricsOptions === false ? false : metricsOptions.meterProvider;
  const meters = meterProvider === false ? undefined : new MeterSource(meterProvider);
  const otel =
    meters === undefined || metricsOptions === false
      ? undefined
      : new MetricsSink(otelCatalog(meters, metricsOptions.prefix), {
          prefix: metricsOptions.prefix,
          client: options.clientName,
          server: { address: endpoint.address, port: endpoint.port },
        });
  const spans = new Spans({
    endpoint,
    now,
    enabled: options.tracing !== false,
    dbQueryText: options.tracing !== false && options.tracing.dbQueryText === true,
    requireParentSpan: options.tracing !== false && options.tracing.requireParentSpan === true,
    samplerAttributes: options.tracing !== false && options.tracing.samplerAttributes === true,
    ...(internals.tracerProvider && { tracerProvider: internals.tracerProvider }),
  });
  const log = new TelemetryLog(options.logger, options.clientName, endpoint, now);
  const events = new EventHub();
  const userEvents: EventSink = {
    breakerTransition: ({ node, from, to, cause }) => {
      if (events.listening('breakerStateChange')) events.emit('breakerStateChange', { node, from, to, cause });
    },
  };
  const spanEvents: EventSink = {
    slowCommand: ({ command, durationMicros, timestamp }) => spans.slowCommand(command, durationMicros, timestamp),
  };
  const sinks = [
    ...metricSinks(metrics, options.clientName),
    ...metricSinks(otel, options.clientName),
    log,
    userEvents,
    spanEvents,
  ];
  const otelReady = () => meters?.meter() !== undefined;
  const instrumentation = new Hub({ metrics, otel, otelReady, spans, hub: events, now }, sinks);

  let server: MetricsServer | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const telemetry: Telemetry = {
    instrumentation,
    events,
    registry,
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
        stops.push(bounded(flushSpans(), 'flushing spans'));
        await Promise.all(stops);
        server = undefined;
      })();
      return closing;
    },
  };
  return telemetry;
}
