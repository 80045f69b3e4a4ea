/** `init({ slowlog })`: slow commands are counted by name and recorded as spans with a slowlog event. */
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init } from '../src/index.js';

afterAll(stopAllRedis);

describe('slowlog poller wired by init', () => {
  it('counts slow commands by name and records them as span events, never with argument values', async () => {
    const server = await startRedis({ args: ['--slowlog-log-slower-than', '0'] });
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const rr = init(
      { redis: server.url, serviceName: 'slow', slowlog: { intervalMs: 100 } },
      { telemetry: { tracerProvider } },
    );
    try {
      // The poller takes a baseline first and reports what is new after it, so keep issuing SETs until one counts.
      await waitFor(
        async () => {
          await rr.client.set('secret-key', 'secret-value');
          return /redis_resilience_slow_commands_total\{[^}]*command="set"[^}]*\} [1-9]/.test(await rr.metrics());
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      const spans = exporter.getFinishedSpans().filter((s) => s.name === 'SLOWLOG SET');
      expect(spans.length).toBeGreaterThan(0);
      expect(spans[0]!.events[0]).toMatchObject({ name: 'slowlog', attributes: { 'db.operation.name': 'SET' } });
      const everything = JSON.stringify(exporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.events]));
      expect(everything).not.toContain('secret');
    } finally {
      await rr.close();
    }
  });
});
