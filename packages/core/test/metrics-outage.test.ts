/** What Prometheus sees of an outage: series exist from the start, and one outage is one reconnect. */
import { startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init } from '../src/index.js';

afterAll(stopAllRedis);

/** The value of one series in exposition text, or undefined when it is absent. */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (want.every((l) => line.includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics through an outage', () => {
  it('counters start at 0, and a kill/restart counts one reconnect however many attempts it took', async () => {
    const server = await startRedis();
    const rr = init({ redis: server.url, serviceName: 'outage-metrics', tracing: false, timeouts: { connectMs: 200 } });
    try {
      await rr.client.ping();
      let text = await rr.metrics();
      const client = 'outage-metrics';
      for (const error_type of ['refused', 'timeout', 'reset', 'dns', 'closed', 'auth', 'tls', 'other']) {
        expect(value(text, 'redis_resilience_connection_errors_total', { client, error_type })).toBe(0);
      }
      for (const result of ['hit', 'miss', 'fallback']) {
        expect(value(text, 'redis_resilience_cache_requests_total', { client, result })).toBe(0);
      }
      expect(
        value(text, 'redis_resilience_circuit_breaker_transitions_total', { from_state: 'closed', to_state: 'open' }),
      ).toBe(0);
      expect(value(text, 'redis_resilience_client_reconnects_total', { client })).toBe(0);

      await server.kill();
      // Let ioredis try (and fail) to reconnect several times.
      await waitFor(
        async () =>
          (value(await rr.metrics(), 'redis_resilience_connection_errors_total', { client, error_type: 'refused' }) ??
            0) >= 3,
        { timeoutMs: 15_000 },
      );
      await server.restart();
      await waitFor(async () => (await rr.client.ping().catch(() => null)) === 'PONG', { timeoutMs: 15_000 });
      text = await rr.metrics();
      expect(value(text, 'redis_resilience_client_reconnects_total', { client })).toBe(1);
      expect(value(text, 'redis_resilience_client_status', { client, status: 'ready' })).toBe(1);
    } finally {
      await rr.close();
    }
  });
});
