/** Real parts for telemetry tests: a prom-client Registry and an SDK tracer provider exporting to memory. */
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Registry } from 'prom-client';
import type { Endpoint } from '../../src/instrumentation.js';
import { type ResilienceOptions, resolveOptions } from '../../src/options/index.js';
import { createTelemetry, type Telemetry, type TelemetryInternals } from '../../src/telemetry/telemetry.js';

export const ENDPOINT: Endpoint = { address: '10.1.2.3', port: 6380, db: 2 };

export interface Harness {
  telemetry: Telemetry;
  registry: Registry;
  exporter: InMemorySpanExporter;
  provider: TracerProvider;
  spans(): ReadableSpan[];
  byName(name: string): ReadableSpan[];
}

/** `now` is the telemetry's clock (default `performance.now`, the clock `at()` reads). */
export function harness(
  options: ResilienceOptions = {},
  internals: TelemetryInternals & { now?: () => number } = {},
): Harness {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const registry = new Registry();
  const resolved = resolveOptions({
    redis: 'redis://127.0.0.1:1',
    serviceName: 'checkout-api',
    metrics: { registry },
    tracing: {},
    ...options,
  });
  const { now = () => performance.now(), ...rest } = internals;
  const telemetry = createTelemetry(resolved, ENDPOINT, { now }, { tracerProvider: provider, ...rest });
  return {
    telemetry,
    registry,
    exporter,
    provider,
    spans: () => exporter.getFinishedSpans(),
    byName: (name) => exporter.getFinishedSpans().filter((s) => s.name === name),
  };
}

/** `performance.now()` a given number of ms from now; the executor reports attempt times on this clock. */
export const at = (offsetMs: number): number => performance.now() + offsetMs;

/** The value of one series in Prometheus text, or undefined when the series is absent. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    if (line.slice(0, i) === series) return Number(line.slice(i + 1));
  }
  return undefined;
}
