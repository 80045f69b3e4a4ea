/**
 * Issue #11, defect 4: a Redis at `maxmemory` under `noeviction` refuses writes with OOM but keeps serving reads.
 * OOM is a typed, counted error of its own, and never opens the breaker for the reads.
 */
import { startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, isRedisUnavailableError, type RedisUnavailableError } from '../src/index.js';
import { settle } from './helpers.js';
import { sample } from './telemetry/harness.js';

let server: Awaited<ReturnType<typeof startRedis>>;

beforeAll(async () => {
  server = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
  await server.cli('SET', 'readable', 'yes');
  // Just below what is used now: every write that may grow memory is refused from here on.
  const used = Number(/used_memory:(\d+)/.exec(await server.cli('INFO', 'memory'))?.[1]);
  await server.cli('CONFIG', 'SET', 'maxmemory', String(used - 1024));
});
afterAll(stopAllRedis);

describe('OOM on writes', () => {
  it('fails writes typed as oom, keeps the breaker closed, and serves every read', async () => {
    const rr = init({
      redis: server.url,
      serviceName: 'oom',
      tracing: false,
      breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
    });
    try {
      await waitFor(async () => (await rr.client.get('readable').catch(() => null)) === 'yes');
      for (let i = 0; i < 50; i++) {
        const { error } = await settle(rr.client.set(`w${i}`, 'x'.repeat(1000)));
        expect(isRedisUnavailableError(error)).toBe(true);
        expect(error).toMatchObject({ errorType: 'oom', sent: false, attempts: 1 });
        expect((error as RedisUnavailableError).message).not.toContain('x'.repeat(10));
      }
      for (let i = 0; i < 50; i++) expect(await rr.client.get('readable')).toBe('yes');
      const health = await rr.health();
      expect(health.breaker.state).toBe('closed');
      expect(health.status).toBe('ok');
      const text = await rr.metrics();
      const oomAttempts = sample(
        text,
        `db_client_operation_duration_seconds_count{db_system_name="redis",db_operation_name="SET",server_address="127.0.0.1",server_port="${server.port}",error_type="oom"}`,
      );
      expect(oomAttempts).toBe(50);
      expect(
        sample(
          text,
          'redis_resilience_operation_duration_seconds_count{client="oom",operation="set",outcome="failure"}',
        ),
      ).toBe(50);
      expect(
        sample(
          text,
          'redis_resilience_operation_duration_seconds_count{client="oom",operation="get",outcome="success"}',
        ),
      ).toBeGreaterThanOrEqual(50);
      expect(
        sample(
          text,
          'redis_resilience_circuit_breaker_transitions_total{client="oom",node="default",from_state="closed",to_state="open"}',
        ),
      ).toBe(0);
    } finally {
      await rr.close();
    }
  });
});
