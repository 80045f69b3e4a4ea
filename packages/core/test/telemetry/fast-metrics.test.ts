import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS } from '../../src/telemetry/catalog.js';
import { renderMetrics } from '../../src/telemetry/exposition.js';
import { FastCounter, FastHistogram } from '../../src/telemetry/fast-metrics.js';
import { harness, sample } from './harness.js';

/** Series → value, label order ignored (prom-client writes `le` first, we write it last). */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '').split(',').filter(Boolean).sort().join(',');
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}

describe('fast metrics', () => {
  it('render exactly what prom-client renders for the same observations', async () => {
    const values = [0, 0.00005, 0.0001, 0.0003, 0.001, 0.0049, 0.02, 0.7, 4.9, 5, 12, 0.0001];
    const theirs = new Registry();
    const h = new Histogram({
      name: 'x_seconds',
      help: 'h',
      labelNames: ['op'],
      buckets: [...LATENCY_BUCKETS],
      registers: [theirs],
    });
    const c = new Counter({ name: 'y_total', help: 'c', labelNames: ['kind'], registers: [theirs] });
    const ours = new Registry();
    const fh = new FastHistogram('x_seconds', 'h', ['op'], LATENCY_BUCKETS);
    const fc = new FastCounter('y_total', 'c', ['kind']);
    ours.registerMetric(fh as never);
    ours.registerMetric(fc as never);
    for (const v of values) {
      h.observe({ op: 'get' }, v);
      fh.child({ op: 'get' }).observe(v);
    }
    c.inc({ kind: 'a' }, 3);
    fc.child({ kind: 'a' }).inc(3);

    for (const format of ['prometheus', 'openmetrics'] as const) {
      const a = series(await renderMetrics(theirs, format));
      const b = series(await renderMetrics(ours, format));
      expect(b, format).toEqual(a);
    }
    expect(await ours.getMetricsAsJSON()).toHaveLength(2);
    ours.resetMetrics();
    expect(series(await ours.metrics()).get('x_seconds_count{op="get"}')).toBe(0);
    fh.child({ op: 'get' }).observe(1);
    expect(series(await ours.metrics()).get('x_seconds_count{op="get"}')).toBe(1);
  });

  it('ignore values a histogram cannot hold', async () => {
    const registry = new Registry();
    const fh = new FastHistogram('x_seconds', 'h', ['op'], LATENCY_BUCKETS);
    registry.registerMetric(fh as never);
    const s = fh.child({ op: 'get' });
    for (const v of [Number.NaN, -1, Number.POSITIVE_INFINITY]) s.observe(v);
    expect(s.count).toBe(0);
  });

  it('pools: gauges read at scrape, histograms and timeouts per pool', async () => {
    const h = harness();
    let used = 2;
    h.telemetry.instrumentation.registerPool('main', () => ({ max: 4, used, idle: 4 - used, pending: 1 }));
    h.telemetry.instrumentation.emit('poolWait', { pool: 'main', seconds: 0.002 });
    h.telemetry.instrumentation.emit('poolUse', { pool: 'main', seconds: 0.01 });
    h.telemetry.instrumentation.emit('poolConnectionCreated', { pool: 'main', seconds: 0.05 });
    h.telemetry.instrumentation.emit('poolTimeout', { pool: 'main' });
    let text = await h.telemetry.metrics();
    // db_system_name keeps them apart from other clients' pools (pg, mysql …) under the same semconv names.
    const P = 'db_system_name="redis",db_client_connection_pool_name="main"';
    expect(sample(text, `db_client_connection_count{${P},db_client_connection_state="used"}`)).toBe(2);
    expect(sample(text, `db_client_connection_count{${P},db_client_connection_state="idle"}`)).toBe(2);
    expect(sample(text, `db_client_connection_max{${P}}`)).toBe(4);
    expect(sample(text, `db_client_connection_pending_requests{${P}}`)).toBe(1);
    expect(sample(text, `db_client_connection_timeouts_total{${P}}`)).toBe(1);
    expect(sample(text, `db_client_connection_wait_time_seconds_count{${P}}`)).toBe(1);
    expect(sample(text, `db_client_connection_use_time_seconds_sum{${P}}`)).toBe(0.01);
    expect(sample(text, `db_client_connection_create_time_seconds_count{${P}}`)).toBe(1);
    used = 3;
    text = await h.telemetry.metrics();
    expect(sample(text, `db_client_connection_count{${P},db_client_connection_state="used"}`)).toBe(3);
  });

  it('a pool whose stats throw costs its gauges, not the scrape', async () => {
    const h = harness();
    h.telemetry.instrumentation.registerPool('bad', () => {
      throw new Error('closed');
    });
    const text = await h.telemetry.metrics();
    expect(text).toContain('redis_resilience_operation_duration_seconds');
  });

  it('failovers are counted', async () => {
    const h = harness();
    h.telemetry.instrumentation.emit('failover', { from: '10.0.0.1:6379', to: '10.0.0.2:6379' });
    expect(sample(await h.telemetry.metrics(), 'redis_resilience_failovers_total{client="checkout-api"}')).toBe(1);
  });
});
