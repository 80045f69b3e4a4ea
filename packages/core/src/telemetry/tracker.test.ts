import { diag } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fake-clock.js';
import { resolveOptions } from '../options/index.js';
import { createTelemetry } from './telemetry.js';

const ENDPOINT = { address: '10.0.0.1', port: 6379, db: 0 };

function setup(traced = true) {
  const clock = new FakeClock();
  const registry = new Registry();
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const telemetry = createTelemetry(
    resolveOptions({
      redis: 'redis://127.0.0.1:1',
      serviceName: 'svc',
      metrics: { registry },
      tracing: {},
    }),
    ENDPOINT,
    clock,
    traced ? { tracerProvider: provider } : {},
  );
  const value = async (series: string) => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { clock, telemetry, exporter, value, i: telemetry.instrumentation };
}

afterEach(() => {
  diag.disable();
});

describe('CallRecord', () => {
  it('times calls and attempts on the injected clock only', async () => {
    const t = setup();
    const call = t.i.startCall('get', []);
    const started = t.clock.now();
    await t.clock.advance(250);
    call.attemptEnd(1, started, t.clock.now(), 'timeout');
    await t.clock.advance(50);
    call.attemptEnd(2, t.clock.now() - 25, t.clock.now(), undefined);
    call.end('success', 2);
    expect(
      await t.value('redis_resilience_operation_duration_seconds_sum{client="svc",operation="get",outcome="success"}'),
    ).toBe(0.3);
    expect(
      await t.value(
        'db_client_operation_duration_seconds_sum{db_system_name="redis",db_operation_name="GET",server_address="10.0.0.1",server_port="6379",error_type="timeout"}',
      ),
    ).toBe(0.25);
    const spans = t.exporter.getFinishedSpans();
    // The logical span and one span per attempt (there was more than one).
    expect(spans.map((s) => s.name).sort()).toEqual(['GET', 'GET', 'GET']);
  });

  it('a fallback is counted, put on the span and given to rr.events, once', async () => {
    const t = setup();
    const seen: unknown[] = [];
    t.telemetry.events.on('fallback', (e) => seen.push(e));
    const call = t.i.startCall('cache.getOrLoad', []);
    call.fallback('cache_aside', 'refused', true);
    call.end('fallback', 0);
    expect(
      await t.value(
        'redis_resilience_fallback_invocations_total{client="svc",fallback_type="cache_aside",reason="refused",outcome="served"}',
      ),
    ).toBe(1);
    expect(seen).toEqual([{ operation: 'cache.getOrLoad', type: 'cache_aside', reason: 'refused', served: true }]);
    const span = t.exporter.getFinishedSpans()[0]!;
    expect(span.events.map((e) => [e.name, e.attributes])).toEqual([
      ['fallback', { type: 'cache_aside', reason: 'refused', served: true }],
    ]);
  });

  it('retries and rejections reach rr.events with the operation', () => {
    const t = setup(false);
    const seen: unknown[] = [];
    t.telemetry.events.on('retry', (e) => seen.push(e));
    t.telemetry.events.on('rejected', (e) => seen.push(e));
    const call = t.i.startCall('hget', []);
    call.retry(1, 40, 'reset');
    call.rejected('open', 'default');
    expect(seen).toEqual([
      { operation: 'hget', attempt: 1, delayMs: 40, errorType: 'reset' },
      { operation: 'hget', node: 'default', state: 'open' },
    ]);
  });

  it('ends once: a second end() changes nothing', async () => {
    const t = setup(false);
    const call = t.i.startCall('get', []);
    call.end('success', 1);
    call.end('failure', 1);
    expect(
      await t.value(
        'redis_resilience_operation_duration_seconds_count{client="svc",operation="get",outcome="success"}',
      ),
    ).toBe(1);
    expect(
      await t.value(
        'redis_resilience_operation_duration_seconds_count{client="svc",operation="get",outcome="failure"}',
      ),
    ).toBe(0);
  });

  it('a listener or a span that throws is reported to diag, never into the call', () => {
    const t = setup();
    const errors: string[] = [];
    diag.setLogger({ error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {}, verbose() {} });
    t.telemetry.events.on('retry', () => {
      throw new Error('listener bug');
    });
    const call = t.i.startCall('get', []);
    expect(() => call.retry(1, 10, 'reset')).not.toThrow();
    expect(errors.some((m) => m.includes("'retry' listener threw"))).toBe(true);
  });

  it('a tracer whose spans throw costs the telemetry, not the call', () => {
    const errors: string[] = [];
    diag.setLogger({ error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {}, verbose() {} });
    const broken = () => {
      throw new Error('span bug');
    };
    const span = {
      isRecording: () => true,
      spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }),
      setAttribute: broken,
      setStatus: broken,
      addEvent: broken,
      end: broken,
    };
    const provider = { getTracer: () => ({ startSpan: () => span, startActiveSpan: broken }) };
    const clock = new FakeClock();
    const telemetry = createTelemetry(
      resolveOptions({ redis: 'redis://127.0.0.1:1', metrics: false, tracing: {} }),
      ENDPOINT,
      clock,
      { tracerProvider: provider as never },
    );
    const call = telemetry.instrumentation.startCall('get', []);
    expect(() => call.attemptEnd(1, 0, 1, 'reset')).not.toThrow();
    expect(() => call.retry(1, 10, 'reset')).not.toThrow();
    expect(() => call.end('failure', 1, new Error('x'))).not.toThrow();
    // A logical operation's span is live: its events throw as they happen.
    const cache = telemetry.instrumentation.startCall('cache.getOrLoad', []);
    expect(() => cache.fallback('cache_aside', 'circuit_open', true)).not.toThrow();
    expect(() => cache.end('fallback', 0)).not.toThrow();
    const failed = new Set(errors.filter((m) => m.includes('tracker.')).map((m) => m.match(/tracker\.\w+/)?.[0]));
    expect([...failed].sort()).toEqual(['tracker.end', 'tracker.fallback']);
  });
});
