/**
 * Every fallback through the real telemetry (prom-client registry, OTel spans to memory), not a recorder:
 * a `fallback` span event on the logical span and a `fallback_invocations_total` series per fallback type.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { startFaultProxy, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { Registry } from 'prom-client';
import { afterAll, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { resolveOptions } from '../../src/options/index.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { createFallbacksWith as createFallbacks } from './build.js';
import { FAST, ready } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rr-fb-telemetry-'));
afterAll(async () => {
  await stopAllRedis();
  rmSync(dir, { recursive: true, force: true });
});

/** The value of one series in Prometheus text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(' ');
    if (!line.startsWith('#') && line.slice(0, i) === series) return Number(line.slice(i + 1));
  }
  return undefined;
}

it('cache, session, queue and custom fallbacks each leave a span event and a metric', async () => {
  const server = await startRedis();
  const proxy = await startFaultProxy({ host: server.host, port: server.port });
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const registry = new Registry();
  const options = {
    redis: proxy.url,
    clientName: 'shop',
    metrics: { registry },
    tracing: {},
    ...FAST,
  };
  const telemetry = createTelemetry(
    resolveOptions(options),
    { address: '127.0.0.1', port: proxy.port, db: 0 },
    { now: () => performance.now() },
    {
      tracerProvider: provider,
    },
  );
  const { instrumentation } = telemetry;
  const rr = init(options, { instrumentation });
  const fb = createFallbacks({
    client: rr.client,
    instrumentation,
    options: { queue: { spoolPath: join(dir, 's.db') } },
  });
  try {
    await ready(rr);
    expect(await fb.cache.getOrLoad('warm', async () => 'v')).toBe('v');

    await proxy.setMode('refuse');
    expect(await fb.cache.getOrLoad('k', async () => 'from source')).toBe('from source');
    expect((await fb.queue.publish('orders', { n: 1 })).spooled).toBe(true);
    await new Promise<void>((resolve, reject) =>
      fb.sessions.set('sid', { cookie: { maxAge: 60_000 } }, (err) => (err ? reject(err) : resolve())),
    );
    expect(
      await fb.withFallback(
        'recs',
        () => rr.client.get('recs'),
        () => 'static',
      ),
    ).toBe('static');

    const text = await telemetry.metrics();
    for (const type of ['cache_aside', 'queue_spool', 'session_store', 'custom']) {
      const served = text
        .split('\n')
        .filter((l) => l.startsWith('redis_resilience_fallback_invocations_total{'))
        .filter((l) => l.includes(`fallback_type="${type}"`) && l.includes('outcome="served"'))
        .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      expect(served, `fallback_invocations_total for ${type}`).toBeGreaterThanOrEqual(1);
    }
    expect(sample(text, 'redis_resilience_cache_requests_total{client="shop",result="fallback"}')).toBe(1);
    expect(sample(text, 'redis_resilience_cache_requests_total{client="shop",result="miss"}')).toBe(1);
    expect(sample(text, 'redis_resilience_queue_spooled_messages{client="shop",stream="orders"}')).toBe(1);

    const spans = exporter.getFinishedSpans();
    const fallbackEvent = (name: string) =>
      spans
        .filter((s) => s.name === name)
        .flatMap((s) => s.events.filter((e) => e.name === 'fallback').map((e) => ({ span: s, e })))[0];
    for (const [name, type] of [
      ['cache.getOrLoad', 'cache_aside'],
      ['queue.publish', 'queue_spool'],
      ['session.set', 'session_store'],
    ] as const) {
      const found = fallbackEvent(name);
      expect(found, `a fallback event on a ${name} span`).toBeDefined();
      expect(found!.e.attributes).toMatchObject({ type, served: true });
      expect(found!.span.attributes['redis_resilience.outcome']).toBe('fallback');
    }
    // A custom fallback is a logical operation of its own: INTERNAL span `fallback.<name>`, its own label.
    expect(fallbackEvent('fallback.recs')?.e.attributes).toMatchObject({ type: 'custom', served: true });
    expect(text).toMatch(/operation_duration_seconds_count\{[^}]*operation="fallback\.recs"[^}]*outcome="fallback"/);
  } finally {
    fb.close();
    await rr.close();
    await telemetry.close();
    await proxy.close();
  }
});
