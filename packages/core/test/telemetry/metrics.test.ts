import { register as globalRegistry, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options/index.js';
import { CATALOG, LATENCY_BUCKETS, metricName } from '../../src/telemetry/catalog.js';
import { MetricsSink } from '../../src/telemetry/metrics.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { at, ENDPOINT, harness, sample } from './harness.js';

const C = 'client="checkout-api"';

describe('metrics', () => {
  it('registers every catalog entry, with its type, into the injected registry and never the global one', async () => {
    const h = harness();
    const json = await h.registry.getMetricsAsJSON();
    const byName = new Map(json.map((m) => [m.name, m]));
    for (const spec of Object.values(CATALOG)) {
      const name = metricName(spec);
      expect(byName.get(name)?.type, name).toBe(spec.type);
      expect(globalRegistry.getSingleMetric(name), name).toBeUndefined();
    }
    expect(byName.size).toBe(Object.keys(CATALOG).length);
  });

  it('histograms use seconds and the catalog buckets (semconv advice for db_client_*)', async () => {
    const h = harness();
    const call = h.telemetry.instrumentation.startCall('get', []);
    const t = at(0);
    call.attemptEnd(1, t, t + 3, undefined);
    // The call's own duration is read from the clock: let it advance, or a fast machine measures 0.
    const started = performance.now();
    while (performance.now() <= started + 0.05) {
      /* spin for 50 µs */
    }
    call.end('success', 1);
    const text = await h.telemetry.metrics();
    const attempt =
      'db_client_operation_duration_seconds_bucket{db_system_name="redis",db_operation_name="GET",' +
      'server_address="10.1.2.3",server_port="6380",error_type="",le="0.001"}';
    expect(sample(text, attempt)).toBe(0);
    expect(sample(text, attempt.replace('0.001', '0.005'))).toBe(1);
    const semconv = [...text.matchAll(/db_client_operation_duration_seconds_bucket\{[^}]*le="([^"]+)"/g)];
    expect(semconv.map((m) => m[1])).toEqual(['0.001', '0.005', '0.01', '0.05', '0.1', '0.5', '1', '5', '10', '+Inf']);
    expect(text).toContain(
      'db_client_operation_duration_seconds_sum{db_system_name="redis",db_operation_name="GET",server_address="10.1.2.3",server_port="6380",error_type=""} 0.003',
    );
    const les = [
      ...text.matchAll(/redis_resilience_operation_duration_seconds_bucket\{[^}]*outcome="success",le="([^"]+)"/g),
    ];
    expect(les.map((m) => m[1])).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
    const sum = sample(text, `redis_resilience_operation_duration_seconds_sum{${C},operation="get",outcome="success"}`);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(1);
  });

  it('each instance without a registry gets its own', () => {
    const options = resolveOptions({ redis: 'redis://127.0.0.1:1', metrics: {}, tracing: false });
    const a = createTelemetry(options, ENDPOINT, performance);
    const b = createTelemetry(options, ENDPOINT, performance);
    expect(a.registry).toBeInstanceOf(Registry);
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry).not.toBe(globalRegistry);
  });

  it('metrics: false means no registry and empty exposition, and calls still work', async () => {
    const telemetry = createTelemetry(
      resolveOptions({ redis: 'redis://127.0.0.1:1', metrics: false }),
      ENDPOINT,
      performance,
    );
    expect(telemetry.registry).toBeUndefined();
    const call = telemetry.instrumentation.startCall('get', []);
    call.attemptEnd(1, at(0), at(1), undefined);
    call.end('success', 1);
    expect(await telemetry.metrics()).toBe('');
    expect(await telemetry.metrics('openmetrics')).toBe('');
  });

  it('every breaker state series exists from the start and moves with transitions', async () => {
    const h = harness();
    const state = (text: string, s: string) =>
      sample(text, `redis_resilience_circuit_breaker_state{${C},node="default",state="${s}"}`);
    let text = await h.telemetry.metrics();
    expect([state(text, 'closed'), state(text, 'open'), state(text, 'half_open')]).toEqual([1, 0, 0]);

    h.telemetry.instrumentation.emit('breakerTransition', {
      node: 'default',
      from: 'closed',
      to: 'open',
      cause: 'failures',
    });
    h.telemetry.instrumentation.emit('breakerTransition', {
      node: 'default',
      from: 'open',
      to: 'half_open',
      cause: 'timer',
    });
    text = await h.telemetry.metrics();
    expect([state(text, 'closed'), state(text, 'open'), state(text, 'half_open')]).toEqual([0, 0, 1]);
    expect(
      sample(
        text,
        `redis_resilience_circuit_breaker_transitions_total{${C},node="default",from_state="closed",to_state="open"}`,
      ),
    ).toBe(1);
  });

  it('10,000 distinct operations that are not commands collapse into one `other` series', async () => {
    const h = harness();
    const before = (await h.registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
    for (let i = 0; i < 10_000; i++) {
      const call = h.telemetry.instrumentation.startCall(`user:${i}:cart`, [`user:${i}`]);
      call.attemptEnd(1, at(0), at(1), 'timeout');
      call.retry(1, 1, 'timeout');
      call.end('failure', 1);
    }
    const text = await h.telemetry.metrics();
    expect(text).not.toMatch(/user:/);
    const ops = new Set([...text.matchAll(/operation="([^"]+)"/g)].map((m) => m[1]));
    expect(ops).toEqual(new Set(['other']));
    expect(
      sample(text, `redis_resilience_operation_duration_seconds_count{${C},operation="other",outcome="failure"}`),
    ).toBe(10_000);
    // The first `other` call adds its handful of series; the next 9,999 add none.
    const after = (await h.registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
    const one = harness();
    const c = one.telemetry.instrumentation.startCall('user:x', []);
    c.attemptEnd(1, at(0), at(1), 'timeout');
    c.retry(1, 1, 'timeout');
    c.end('failure', 1);
    const afterOne = (await one.registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
    expect(after - before).toBe(afterOne - before);
  });

  it('commands are labelled lower-case whatever their spelling; logical names stay as they are', async () => {
    const h = harness();
    for (const op of ['GET', 'get', 'Get', 'cache.getOrLoad'])
      h.telemetry.instrumentation.startCall(op, []).end('success', 1);
    const text = await h.telemetry.metrics();
    expect(
      sample(text, `redis_resilience_operation_duration_seconds_count{${C},operation="get",outcome="success"}`),
    ).toBe(3);
    expect(
      sample(
        text,
        `redis_resilience_operation_duration_seconds_count{${C},operation="cache.getOrLoad",outcome="success"}`,
      ),
    ).toBe(1);
  });

  it('withFallback names are kept as INTERNAL operations, up to a cap', async () => {
    const h = harness();
    for (let i = 0; i < 40; i++) h.telemetry.instrumentation.startCall(`fallback.step${i}`, []).end('fallback', 0);
    h.telemetry.instrumentation.startCall('fallback.user 42', []).end('fallback', 0);
    const text = await h.telemetry.metrics();
    const ops = new Set([...text.matchAll(/operation="([^"]+)"/g)].map((m) => m[1]));
    expect(ops.has('fallback.step0')).toBe(true);
    expect(ops.has('fallback.step39')).toBe(false);
    expect(ops.has('fallback.other')).toBe(true);
    expect(ops.size).toBe(33);
    expect(h.spans().find((s) => s.name === 'fallback.step0')?.kind).toBe(0); // INTERNAL
  });

  it('counts retries, retry outcomes, budget exhaustion, fallbacks and connection events', async () => {
    const h = harness();
    const i = h.telemetry.instrumentation;
    const retried = i.startCall('get', []);
    retried.attemptEnd(1, at(0), at(1), 'timeout');
    retried.retry(1, 10, 'timeout');
    retried.attemptEnd(2, at(11), at(12), undefined);
    retried.end('success', 2);
    i.startCall('set', []).end('success', 1);
    i.startCall('set', []).end('rejected', 0);
    i.startCall('cache.getOrLoad', []).end('fallback', 0);
    i.emit('retryBudgetExhausted', { operation: 'GET' });
    i.startCall('cache.getOrLoad', []).fallback('cache_aside', 'circuit_open', true);
    i.startCall('cache.getOrLoad', []).fallback('session_store', 'not a bounded reason!', false);
    i.emit('cacheResult', { result: 'hit' });
    i.emit('connectionError', { type: 'refused', error: new Error('x') });
    i.emit('connectionError', { type: 'weird' as never, error: new Error('x') });
    i.emit('reconnected', {});
    i.emit('offlineQueueLength', { length: 7 });
    i.emit('connectionStatus', { status: 'connecting' });
    i.emit('connectionStatus', { status: 'ready' });

    const text = await h.telemetry.metrics();
    const v = (s: string) => sample(text, s);
    expect(v(`redis_resilience_retry_attempts_total{${C},operation="get",error_type="timeout"}`)).toBe(1);
    expect(v(`redis_resilience_retry_calls_total{${C},kind="success_with_retry"}`)).toBe(1);
    expect(v(`redis_resilience_retry_calls_total{${C},kind="success_without_retry"}`)).toBe(1);
    expect(v(`redis_resilience_retry_calls_total{${C},kind="failed_without_retry"}`)).toBe(1);
    expect(v(`redis_resilience_retry_calls_total{${C},kind="failed_with_retry"}`)).toBe(0);
    expect(v(`redis_resilience_retry_budget_exhausted_total{${C},operation="get"}`)).toBe(1);
    expect(
      v(
        `redis_resilience_fallback_invocations_total{${C},fallback_type="cache_aside",reason="circuit_open",outcome="served"}`,
      ),
    ).toBe(1);
    expect(
      v(
        `redis_resilience_fallback_invocations_total{${C},fallback_type="session_store",reason="other",outcome="failed"}`,
      ),
    ).toBe(1);
    expect(v(`redis_resilience_cache_requests_total{${C},result="hit"}`)).toBe(1);
    expect(v(`redis_resilience_connection_errors_total{${C},error_type="refused"}`)).toBe(1);
    expect(v(`redis_resilience_connection_errors_total{${C},error_type="other"}`)).toBe(1);
    expect(v(`redis_resilience_client_reconnects_total{${C}}`)).toBe(1);
    expect(v(`redis_resilience_offline_queue_length{${C}}`)).toBe(7);
    expect(v(`redis_resilience_client_status{${C},status="ready"}`)).toBe(1);
    expect(v(`redis_resilience_client_status{${C},status="connecting"}`)).toBe(0);
    expect(v(`redis_resilience_client_status{${C},status="reconnecting"}`)).toBe(0);
  });

  it('two instances can share one registry, told apart by the client label', async () => {
    const registry = new Registry();
    const opts = (clientName: string) =>
      resolveOptions({ redis: 'redis://127.0.0.1:1', clientName, metrics: { registry }, tracing: false });
    const a = createTelemetry(opts('a'), ENDPOINT, performance);
    const b = createTelemetry(opts('b'), ENDPOINT, performance);
    a.instrumentation.startCall('get', []).end('success', 1);
    b.instrumentation.startCall('get', []).end('success', 1);
    const text = await registry.metrics();
    expect(
      sample(text, 'redis_resilience_operation_duration_seconds_count{client="a",operation="get",outcome="success"}'),
    ).toBe(1);
    expect(
      sample(text, 'redis_resilience_operation_duration_seconds_count{client="b",operation="get",outcome="success"}'),
    ).toBe(1);
  });

  it('a registry holding a different metric under a catalog name is refused with the name', () => {
    const registry = new Registry();
    new MetricsSink(registry, { prefix: 'x_', client: 'a' });
    expect(() => new MetricsSink(registry, { prefix: 'x_', client: 'b' })).not.toThrow();
    const clash = new Registry();
    clash.registerMetric(
      new (class {
        name = 'x_retry_calls_total';
        type = 'gauge';
        labelNames = ['client'];
        get() {
          return { name: this.name, help: 'h', type: 'gauge', values: [] };
        }
        reset() {}
      })() as never,
    );
    expect(() => new MetricsSink(clash, { prefix: 'x_', client: 'a' })).toThrow(/x_retry_calls_total/);
  });
});
