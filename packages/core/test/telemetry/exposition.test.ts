import { spawnSync } from 'node:child_process';
import { trace } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, negotiateFormat, renderMetrics } from '../../src/telemetry/exposition.js';
import { harness } from './harness.js';

/** A traced call and the trace id it ran under. */
function tracedCall(h: ReturnType<typeof harness>): string {
  h.telemetry.instrumentation.startCall('get', []).end('success', 1);
  const span = h.byName('GET').at(-1)!;
  return span.spanContext().traceId;
}

describe('exposition', () => {
  it('OpenMetrics output carries an exemplar with the trace id of the call; Prometheus text has none', async () => {
    const h = harness();
    const traceId = tracedCall(h);
    const spanId = h.byName('GET')[0]!.spanContext().spanId;

    const om = await h.telemetry.metrics('openmetrics');
    const line = om
      .split('\n')
      .find((l) => l.startsWith('redis_resilience_operation_duration_seconds_bucket') && l.includes(' # {'));
    expect(line).toBeDefined();
    expect(line).toContain(`trace_id="${traceId}"`);
    expect(line).toContain(`span_id="${spanId}"`);
    expect(om.endsWith('# EOF\n')).toBe(true);

    const prom = await h.telemetry.metrics('prometheus');
    expect(prom).not.toContain('trace_id');
    expect(prom).not.toContain('# EOF');
  });

  it('no exemplar when the call was not traced', async () => {
    // The global API, with no provider registered in this worker: spans do not record.
    const h = harness({}, { tracerProvider: trace.getTracerProvider() });
    h.telemetry.instrumentation.startCall('get', []).end('success', 1);
    const om = await h.telemetry.metrics('openmetrics');
    expect(om).toContain(
      'redis_resilience_operation_duration_seconds_count{client="checkout-api",operation="get",outcome="success"} 1',
    );
    expect(om).not.toContain('# {');
  });

  it('rendering OpenMetrics leaves counter names intact for later and concurrent Prometheus scrapes', async () => {
    const h = harness();
    tracedCall(h);
    const before = await h.telemetry.metrics('prometheus');
    const results = await Promise.all([
      h.telemetry.metrics('openmetrics'),
      h.telemetry.metrics('prometheus'),
      h.telemetry.metrics('openmetrics'),
      h.telemetry.metrics('prometheus'),
    ]);
    const after = await h.telemetry.metrics('prometheus');
    for (const text of [before, results[1]!, results[3]!, after]) {
      expect(text).toContain('# TYPE redis_resilience_retry_calls_total counter');
      expect(text).toContain(
        'redis_resilience_retry_calls_total{client="checkout-api",kind="success_without_retry"} 1',
      );
    }
    // OpenMetrics names the counter family without _total and its samples with it.
    expect(results[0]).toContain('# TYPE redis_resilience_retry_calls counter');
    expect(results[0]).toContain(
      'redis_resilience_retry_calls_total{client="checkout-api",kind="success_without_retry"} 1',
    );
    expect(before).toBe(after);
  });

  it("keeps the registry's default labels in both formats", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ pod: 'api-7' });
    const h = harness({ metrics: { registry } });
    tracedCall(h);
    for (const format of ['prometheus', 'openmetrics'] as const) {
      expect(await renderMetrics(registry, format)).toMatch(/redis_resilience_retry_calls_total\{[^}]*pod="api-7"/);
    }
  });

  it('the Prometheus text passes promtool: exit code 0, nothing on stderr', async () => {
    const h = harness();
    tracedCall(h);
    const text = await h.telemetry.metrics();
    // promtool reports format errors and lint findings (exit 1 and 3) on stderr; stdout stays empty either way.
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.error, 'promtool must be on PATH (Debian: apt-get install prometheus)').toBeUndefined();
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('negotiates OpenMetrics only when the scraper asks for it', () => {
    const prometheusDefault =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
      'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(negotiateFormat(prometheusDefault)).toBe('openmetrics');
    expect(negotiateFormat('text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('prometheus');
    expect(negotiateFormat(undefined)).toBe('prometheus');
    expect(negotiateFormat('*/*')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0, text/plain')).toBe('prometheus');
    expect(negotiateFormat(['text/plain', 'application/openmetrics-text'])).toBe('openmetrics');
    expect(CONTENT_TYPES.openmetrics).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(CONTENT_TYPES.prometheus).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
