import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type OtlpReceiver, startOtlpReceiver } from '@redis-resilience/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ResilienceOptions, resolveOptions } from '../../src/options/index.js';
import { hasGlobalTracerProvider } from '../../src/telemetry/provider.js';
import { tracesUrl } from '../../src/telemetry/sdk.js';
import { createTelemetry, type Telemetry } from '../../src/telemetry/telemetry.js';
import { at, ENDPOINT } from './harness.js';

let receiver: OtlpReceiver;
const savedEnv = { ...process.env };
const open: Telemetry[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  // What an SDK registered besides the tracer provider (our close() unregisters that one).
  trace.disable();
  context.disable();
  propagation.disable();
  receiver.clear();
});

function telemetry(options: ResilienceOptions): Telemetry {
  const t = createTelemetry(
    resolveOptions({ redis: 'redis://127.0.0.1:1', serviceName: 'checkout-api', ...options }),
    ENDPOINT,
    performance,
  );
  open.push(t);
  return t;
}

/** A GET that failed once and succeeded on the retry: a logical span and two attempt spans. */
function retriedGet(t: Telemetry): void {
  const call = t.instrumentation.startCall('get', ['k']);
  call.attemptEnd(1, at(0), at(1), 'timeout');
  call.retry(1, 10, 'timeout');
  call.attemptEnd(2, at(11), at(12), undefined);
  call.end('success', 2);
}

describe('the OpenTelemetry SDK', () => {
  it('is started when no provider is registered, exports OTLP/HTTP JSON, and close() flushes it', async () => {
    expect(hasGlobalTracerProvider()).toBe(false);
    const t = telemetry({ tracing: { endpoint: receiver.url } });
    expect(hasGlobalTracerProvider()).toBe(true);
    retriedGet(t);
    // No waiting: the batch processor would hold these for 5 s; close() must flush them.
    await t.close();

    const spans = receiver.spans();
    expect(spans.map((s) => s.name)).toEqual(['GET', 'GET', 'GET']);
    const logical = spans.find((s) => !s.parentSpanId)!;
    expect(spans.filter((s) => s.parentSpanId === logical.spanId)).toHaveLength(2);
    expect(logical.resource['service.name']).toBe('checkout-api');
    expect(logical.scope).toBe('@redis-resilience/core');
    expect(logical.kind).toBe(3); // CLIENT
    expect(logical.attributes).toMatchObject({ 'db.system.name': 'redis', 'server.port': 6380 });
    expect(logical.events.map((e) => e.name)).toEqual(['retry']);
    // Ours to stop: nothing is left registered for the next init() to trip over.
    expect(hasGlobalTracerProvider()).toBe(false);
  });

  it('honours OTEL_SERVICE_NAME and OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    process.env.OTEL_SERVICE_NAME = 'from-env';
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    const t = telemetry({ serviceName: 'checkout-api', tracing: {} });
    t.instrumentation.startCall('set', []).end('success', 1);
    await t.close();
    const [span] = receiver.spans();
    expect(span?.name).toBe('SET');
    expect(span?.resource['service.name']).toBe('from-env');
  });

  it('honours OTEL_TRACES_SAMPLER', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    const t = telemetry({ tracing: { endpoint: receiver.url } });
    expect(hasGlobalTracerProvider()).toBe(true);
    retriedGet(t);
    await t.close();
    expect(receiver.spans()).toEqual([]);
  });

  it('is not started when the app registered a provider; spans go to the app, and close() leaves it running', async () => {
    const exporter = new InMemorySpanExporter();
    const app = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(app);
    const t = telemetry({ tracing: { endpoint: receiver.url } });
    retriedGet(t);
    await t.close();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['GET', 'GET', 'GET']);
    expect(receiver.spans()).toEqual([]);
    expect(hasGlobalTracerProvider()).toBe(true);
    app.getTracer('app').startSpan('still-working').end();
    expect(exporter.getFinishedSpans().at(-1)?.name).toBe('still-working');
  });

  it('tracing: false starts nothing, yet spans reach a provider the app registers later', async () => {
    const t = telemetry({ tracing: false });
    expect(hasGlobalTracerProvider()).toBe(false);
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    t.instrumentation.startCall('get', []).end('success', 1);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['GET']);
  });

  it('startSdk: false starts nothing', () => {
    telemetry({ tracing: { startSdk: false, endpoint: receiver.url } });
    expect(hasGlobalTracerProvider()).toBe(false);
  });

  it('a second instance started after the first closed gets a working SDK again', async () => {
    const first = telemetry({ tracing: { endpoint: receiver.url } });
    await first.close();
    const second = telemetry({ tracing: { endpoint: receiver.url } });
    second.instrumentation.startCall('del', []).end('success', 1);
    await second.close();
    expect(receiver.spans().map((s) => s.name)).toEqual(['DEL']);
  });

  it('an endpoint without a path means the collector: spans go to /v1/traces', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://gw.example/otlp/v1/traces')).toBe('https://gw.example/otlp/v1/traces');
  });
});
