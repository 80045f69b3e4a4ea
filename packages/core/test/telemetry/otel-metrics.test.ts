/**
 * The OpenTelemetry metrics path: the catalog recorded through a real SDK MeterProvider and rendered by the real
 * @opentelemetry/exporter-prometheus must give the same family names and labels as the prom-client path, so that
 * one dashboard and one set of alerts serve both.
 */
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { prometheusExporterViews } from '../../src/index.js';
import type { TelemetryEvents } from '../../src/instrumentation.js';
import { type ResilienceOptions, resolveOptions } from '../../src/options/index.js';
import { CATALOG, type MetricSpec, metricName, otelName } from '../../src/telemetry/catalog.js';
import { createTelemetry, type Telemetry } from '../../src/telemetry/telemetry.js';
import { FakeClock } from '../fake-clock.js';
import { ENDPOINT } from './harness.js';

afterEach(() => {
  metrics.disable();
});

function otelApp(views = prometheusExporterViews()) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter], views });
  return {
    provider,
    async text(): Promise<string> {
      const { resourceMetrics } = await exporter.collect();
      return new PrometheusSerializer().serialize(resourceMetrics);
    },
  };
}

function telemetry(options: ResilienceOptions, clock = new FakeClock()): Telemetry {
  return createTelemetry(
    resolveOptions({ redis: 'redis://127.0.0.1:1', serviceName: 'checkout-api', tracing: false, ...options }),
    ENDPOINT,
    clock,
  );
}

/** Every event the catalog counts, once, plus a retried call and a pool. */
function exercise(t: Telemetry): void {
  const i = t.instrumentation;
  const call = i.startCall('get', ['k']);
  call.attemptEnd(1, 0, 2, 'timeout');
  call.retry(1, 5, 'timeout');
  call.attemptEnd(2, 7, 8, undefined);
  call.end('success', 2);
  const cache = i.startCall('cache.getOrLoad', []);
  cache.fallback('cache_aside', 'circuit_open', true);
  cache.end('fallback', 0);
  i.registerPool('checkout-api', () => ({ max: 4, used: 1, idle: 3, pending: 2 }));
  const events: { [K in keyof TelemetryEvents]?: TelemetryEvents[K] } = {
    breakerTransition: { node: 'default', from: 'closed', to: 'open', cause: 'failures', openMs: 1500 } as never,
    breakerProbe: { node: 'default', ok: true, trigger: 'timer' } as never,
    connectionStatus: { status: 'ready' },
    connectionError: { type: 'refused', error: new Error('x') },
    reconnected: {},
    offlineQueueLength: { length: 3 },
    retryBudgetExhausted: { operation: 'get' },
    cacheResult: { result: 'hit' },
    queueSpooled: { stream: 'orders', depth: 2 },
    queueReplayed: { stream: 'orders', count: 1 },
    queueDeadLettered: { stream: 'orders', count: 1 },
    queueReplayFailed: { reason: 'io', error: new Error('x') },
    sessionPending: { count: 2 },
    sessionWriteBackFailed: { errorType: 'timeout', entries: 2 },
    sessionDropped: { reason: 'closed', count: 1 },
    poolConnectionCreated: { pool: 'checkout-api', seconds: 0.002 },
    poolWait: { pool: 'checkout-api', seconds: 0.001 },
    poolUse: { pool: 'checkout-api', seconds: 0.003 },
    poolTimeout: { pool: 'checkout-api' },
    failover: { from: 'a', to: 'b' },
    slowCommand: { command: 'keys', durationMicros: 20_000, timestamp: 1_700_000_000 },
  };
  for (const [name, data] of Object.entries(events)) i.emit(name as keyof TelemetryEvents, data as never);
}

/** `family -> sorted label names` of every sample in a Prometheus text exposition (OTel's own labels left out). */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m || line.startsWith('#')) continue;
    const sample = m[1]!;
    const family =
      [...CATALOG_FAMILIES].find(
        (f) => sample === f || (/^_(bucket|sum|count)$/.test(sample.slice(f.length)) && sample.startsWith(f)),
      ) ?? sample;
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)]
      .map((l) => l[1]!)
      .filter((l) => l !== 'le' && !l.startsWith('otel_scope_'))
      .sort()
      .join(',');
    const seen = out.get(family);
    // Success samples of the semconv histogram have no error_type: the wider label set is the family's.
    if (seen === undefined || labels.length > seen.length) out.set(family, labels);
  }
  return out;
}
const CATALOG_FAMILIES = new Set(Object.values(CATALOG as Record<string, MetricSpec>).map((s) => metricName(s)));

describe('the OpenTelemetry metrics path', () => {
  it('names every instrument so that the OTel→Prometheus translation gives the catalog name', () => {
    for (const spec of Object.values(CATALOG as Record<string, MetricSpec>)) {
      const translated = otelName(spec).replace(/[^a-zA-Z0-9_:]/g, '_');
      const withUnit =
        spec.type === 'histogram' && !translated.endsWith('_seconds') ? `${translated}_seconds` : translated;
      const withTotal = spec.type === 'counter' ? `${withUnit}_total` : withUnit;
      // The spec's translation (the Collector, Prometheus's OTLP receiver): unit suffix, then _total for counters.
      expect(withTotal).toBe(metricName(spec));
    }
  });

  it('exported by exporter-prometheus, gives exactly the prom-client families and labels', async () => {
    const app = otelApp();
    const t = telemetry({ metrics: { meterProvider: app.provider } });
    exercise(t);
    const otel = families(await app.text());
    const prom = families(await t.metrics());
    otel.delete('target_info');
    expect([...otel.keys()].sort()).toEqual([...CATALOG_FAMILIES].sort());
    expect(Object.fromEntries(otel)).toEqual(Object.fromEntries(prom));
    await t.close();
  });

  it('records the same values: counters, gauges read at collection, histograms with semconv buckets', async () => {
    const app = otelApp();
    const t = telemetry({ metrics: { meterProvider: app.provider } });
    exercise(t);
    const text = await app.text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1]);
    expect(value(/^redis_resilience_retry_attempts_total\{[^}]*error_type="timeout"[^}]*\} (\S+)/m)).toBe(1);
    expect(value(/^redis_resilience_circuit_breaker_state\{[^}]*state="open"[^}]*\} (\S+)/m)).toBe(1);
    expect(value(/^redis_resilience_circuit_breaker_state\{[^}]*state="closed"[^}]*\} (\S+)/m)).toBe(0);
    expect(value(/^db_client_connection_count\{[^}]*db_client_connection_state="idle"[^}]*\} (\S+)/m)).toBe(3);
    expect(text).toMatch(/^db_client_connection_pending_requests\{[^}]*db_system_name="redis"[^}]*\} 2/m);
    const semconvLes = [
      ...text.matchAll(/^db_client_operation_duration_seconds_bucket\{[^}]*error_type="timeout"[^}]*le="([^"]+)"/gm),
    ];
    expect(semconvLes.map((m) => m[1])).toEqual([
      '0.001',
      '0.005',
      '0.01',
      '0.05',
      '0.1',
      '0.5',
      '1',
      '5',
      '10',
      '+Inf',
    ]);
    expect(text).toMatch(/^db_client_operation_duration_seconds_bucket\{[^}]*server_port="6380"[^}]*le="0.005"\} 1/m);
    await t.close();
  });

  it('finds a global MeterProvider registered after init(), and loses no count or gauge made before', async () => {
    const clock = new FakeClock();
    const t = telemetry({ metrics: {} }, clock);
    t.instrumentation.emit('reconnected', {});
    t.instrumentation.emit('offlineQueueLength', { length: 7 });
    const app = otelApp();
    metrics.setGlobalMeterProvider(app.provider);
    await clock.advance(1000); // looked up at most once a second
    t.instrumentation.emit('reconnected', {});
    const text = await app.text();
    expect(text).toMatch(/^redis_resilience_client_reconnects_total\{client="checkout-api"[^}]*\} 2$/m);
    expect(text).toMatch(/^redis_resilience_offline_queue_length\{client="checkout-api"[^}]*\} 7$/m);
    await t.close();
  });

  it('meterProvider: false keeps metrics on prom-client only', async () => {
    const app = otelApp();
    metrics.setGlobalMeterProvider(app.provider);
    const t = telemetry({ metrics: { meterProvider: false } });
    exercise(t);
    expect(await app.text()).not.toContain('redis_resilience_');
    await t.close();
  });
});
