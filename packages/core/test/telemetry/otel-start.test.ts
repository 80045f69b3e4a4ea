/**
 * `@redis-resilience/core/otel` (what `/register` runs): a real NodeSDK for apps without one, configured by the
 * OTEL_* variables, exporting to a real OTLP/HTTP receiver. The core's close() flushes it and never shuts it down.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type OtlpReceiver, startOtlpReceiver } from '@redis-resilience/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ResilienceOptions, resolveOptions } from '../../src/options/index.js';
import { type StartedOpenTelemetry, startOpenTelemetry, tracesUrl } from '../../src/otel.js';
import { hasGlobalTracerProvider } from '../../src/telemetry/provider.js';
import { createTelemetry, type Telemetry } from '../../src/telemetry/telemetry.js';
import { at, ENDPOINT } from './harness.js';

let receiver: OtlpReceiver;
const savedEnv = { ...process.env };
const open: Telemetry[] = [];
const sdks: StartedOpenTelemetry[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const s of sdks.splice(0)) await s.shutdown();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  // What the SDK registered: the app's (here the test's) to undo, never the core's.
  trace.disable();
  context.disable();
  propagation.disable();
  receiver.clear();
});

function telemetry(options: ResilienceOptions = {}): Telemetry {
  const t = createTelemetry(
    resolveOptions({ redis: 'redis://127.0.0.1:1', serviceName: 'checkout-api', ...options }),
    ENDPOINT,
    performance,
  );
  open.push(t);
  return t;
}

function start(env: Record<string, string>, serviceName?: string): StartedOpenTelemetry {
  Object.assign(process.env, env);
  const sdk = startOpenTelemetry(serviceName ? { serviceName } : {});
  sdks.push(sdk);
  return sdk;
}

/** A GET that failed once and succeeded on the retry: a logical span and two attempt spans. */
function retriedGet(t: Telemetry): void {
  const call = t.instrumentation.startCall('get', ['k']);
  call.attemptEnd(1, at(0), at(1), 'timeout');
  call.retry(1, 10, 'timeout');
  call.attemptEnd(2, at(11), at(12), undefined);
  call.end('success', 2);
}

const JSON_TO = (url: string) => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: url });

describe('startOpenTelemetry (@redis-resilience/core/otel, /register)', () => {
  it('starts a NodeSDK from OTEL_* variables; rr close() flushes it and leaves it running', async () => {
    expect(hasGlobalTracerProvider()).toBe(false);
    const sdk = start(JSON_TO(receiver.url), 'checkout-api');
    expect(sdk.started).toBe(true);
    const t = telemetry();
    retriedGet(t);
    // No waiting: the batch processor would hold these for 5 s; close() must flush them.
    await t.close();

    const spans = receiver.spans();
    expect(spans.map((s) => s.name)).toEqual(['GET', 'GET', 'GET']);
    const logical = spans.find((s) => !s.parentSpanId)!;
    expect(spans.filter((s) => s.parentSpanId === logical.spanId)).toHaveLength(2);
    expect(logical.resource['service.name']).toBe('checkout-api');
    expect(logical.scope).toBe('@redis-resilience/core');
    expect(logical.events.map((e) => e.name)).toEqual(['retry']);
    // Not ours to stop: the app's tracer still exports after close().
    expect(hasGlobalTracerProvider()).toBe(true);
    receiver.clear();
    trace.getTracer('app').startSpan('after close').end();
    await sdk.shutdown();
    expect(receiver.spans().map((s) => s.name)).toEqual(['after close']);
  });

  it('honours OTEL_SERVICE_NAME over the given name, and OTEL_TRACES_SAMPLER', async () => {
    start({ ...JSON_TO(receiver.url), OTEL_SERVICE_NAME: 'from-env' }, 'checkout-api');
    const t = telemetry();
    t.instrumentation.startCall('set', []).end('success', 1);
    await t.close();
    expect(receiver.spans().map((s) => [s.name, s.resource['service.name']])).toEqual([['SET', 'from-env']]);
    await sdks.pop()?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();

    receiver.clear();
    start({ ...JSON_TO(receiver.url), OTEL_TRACES_SAMPLER: 'always_off' });
    const off = telemetry();
    retriedGet(off);
    await off.close();
    expect(receiver.spans()).toEqual([]);
  });

  it('speaks the protocol OTEL_EXPORTER_OTLP_PROTOCOL names, http/protobuf by default', async () => {
    const types: string[] = [];
    const server = createServer((req, res) => {
      types.push(String(req.headers['content-type']));
      req.resume().on('end', () => res.writeHead(200).end());
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const protocol of [undefined, 'http/json']) {
        start({ OTEL_EXPORTER_OTLP_ENDPOINT: url, ...(protocol && { OTEL_EXPORTER_OTLP_PROTOCOL: protocol }) });
        trace.getTracer('app').startSpan('one').end();
        const t = telemetry();
        await t.close(); // flushes the registered provider
        await sdks.pop()?.shutdown();
        trace.disable();
        context.disable();
        propagation.disable();
      }
      expect(types).toEqual(['application/x-protobuf', 'application/json']);
    } finally {
      server.close();
    }
  });

  it('starts nothing when the app registered a provider: spans go to the app, and close() leaves it running', async () => {
    const exporter = new InMemorySpanExporter();
    const app = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(app);
    expect(start(JSON_TO(receiver.url)).started).toBe(false);
    const t = telemetry();
    retriedGet(t);
    await t.close();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['GET', 'GET', 'GET']);
    expect(receiver.spans()).toEqual([]);
    app.getTracer('app').startSpan('still-working').end();
    expect(exporter.getFinishedSpans().at(-1)?.name).toBe('still-working');
  });

  it('OTEL_SDK_DISABLED=true starts nothing', () => {
    expect(start({ ...JSON_TO(receiver.url), OTEL_SDK_DISABLED: 'true' }).started).toBe(false);
    expect(hasGlobalTracerProvider()).toBe(false);
  });

  it('an endpoint without a path means the collector: spans go to /v1/traces', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://gw.example/otlp/v1/traces')).toBe('https://gw.example/otlp/v1/traces');
  });

  it('takes the endpoint as an option too', async () => {
    Object.assign(process.env, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    sdks.push(startOpenTelemetry({ endpoint: receiver.url }));
    const t = telemetry();
    t.instrumentation.startCall('del', []).end('success', 1);
    await t.close();
    expect(receiver.spans().map((s) => s.name)).toEqual(['DEL']);
  });
});

describe('the core without an SDK', () => {
  it('registers nothing, and spans reach a provider the app registers later', async () => {
    const t = telemetry();
    expect(hasGlobalTracerProvider()).toBe(false);
    t.instrumentation.startCall('get', []).end('success', 1);
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    t.instrumentation.startCall('get', []).end('success', 1);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['GET']);
    await t.close();
    expect(hasGlobalTracerProvider()).toBe(true);
  });
});
