/** What Prometheus sees of an outage: series exist from the start, and one outage is one reconnect. */
import { startFaultProxy, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
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

  it('the exposition shows each symptom by type, the full breaker cycle, retries, and the queue back to 0', async () => {
    const server = await startRedis();
    const proxy = await startFaultProxy(server);
    const client = 'symptoms';
    const rr = init({
      redis: proxy.url,
      serviceName: client,
      tracing: false,
      retry: { baseDelayMs: 10, maxDelayMs: 20 },
      breaker: { volumeThreshold: 3, resetTimeoutMs: 300 },
      timeouts: { connectMs: 300, commandMs: 200 },
      queue: { maxWaitMs: 200 },
    });
    const dnsClient = init({ redis: 'redis://no-such-host.invalid:6379', serviceName: 'symptoms-dns', tracing: false });
    const counter = async (name: string, labels: Record<string, string>) =>
      value(await rr.metrics(), name, { client, ...labels }) ?? 0;
    // Keep traffic flowing while a fault is on, until the exposition shows it.
    const until = (probe: () => Promise<boolean>) =>
      waitFor(
        async () => {
          await rr.client.get('k').catch(() => {});
          return probe();
        },
        { timeoutMs: 20_000, intervalMs: 20 },
      );
    try {
      await rr.client.set('k', 'v');
      for (const [mode, type] of [
        ['reset', 'reset'],
        ['blackhole', 'timeout'],
        ['refuse', 'refused'],
      ] as const) {
        await proxy.setMode(mode);
        await until(async () => (await counter('redis_resilience_connection_errors_total', { error_type: type })) > 0);
      }
      await until(
        async () =>
          (await counter('redis_resilience_circuit_breaker_transitions_total', {
            from_state: 'closed',
            to_state: 'open',
          })) > 0,
      );
      await proxy.setMode('pass');
      await until(
        async () =>
          (await counter('redis_resilience_circuit_breaker_transitions_total', {
            from_state: 'half_open',
            to_state: 'closed',
          })) > 0,
      );
      const text = await rr.metrics();
      expect(
        value(text, 'redis_resilience_circuit_breaker_transitions_total', {
          from_state: 'open',
          to_state: 'half_open',
        }),
      ).toBeGreaterThan(0);
      expect(text).toMatch(/redis_resilience_retry_attempts_total\{[^}]*error_type="[a-z_]+"[^}]*\} [1-9]/);
      expect(value(text, 'redis_resilience_client_status', { client, status: 'ready' })).toBe(1);
      expect(value(text, 'redis_resilience_offline_queue_length', { client })).toBe(0);
      await waitFor(
        async () =>
          (value(await dnsClient.metrics(), 'redis_resilience_connection_errors_total', { error_type: 'dns' }) ?? 0) >
          0,
        { timeoutMs: 15_000 },
      );
    } finally {
      await rr.close();
      await dnsClient.close();
      await proxy.close();
    }
  });
});
