/** Cluster: breakers are per node, so one dead master does not fail the slots that are healthy. */
import { startCluster, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init, isCircuitOpenError, isRedisUnavailableError } from '../src/index.js';
import { settle } from './helpers.js';

afterAll(stopAllRedis);

describe('cluster', () => {
  it('a killed master opens only its own breaker; healthy keys keep succeeding; all closes after it returns', async () => {
    const cluster = await startCluster({ masters: 3 });
    const rr = init({
      redis: { cluster: cluster.startupNodes },
      retry: { deadlineMs: 1000 },
      timeouts: { commandMs: 300, connectMs: 300 },
      breaker: { volumeThreshold: 3, resetTimeoutMs: 500 },
    });
    try {
      const keys = await Promise.all(cluster.nodes.map((n) => cluster.keyOnNode(n, 'user')));
      for (const k of keys) expect(await rr.client.set(k, 'v')).toBe('OK');
      const [victim, ...healthy] = cluster.nodes;
      const [victimKey, ...healthyKeys] = keys;
      const victimNode = `127.0.0.1:${victim!.port}`;
      await victim!.kill();

      // Keys on the dead node fail (typed) until their breaker opens, then fail fast.
      await waitFor(async () => isCircuitOpenError(await rr.client.get(victimKey!).catch((e: unknown) => e)), {
        timeoutMs: 20_000,
      });
      const fast = await settle(rr.client.get(victimKey!));
      expect(isRedisUnavailableError(fast.error)).toBe(true);
      expect(fast.ms).toBeLessThan(50);
      // Keys on healthy masters keep succeeding, with their breakers closed.
      for (let i = 0; i < 20; i++) for (const k of healthyKeys) expect(await rr.client.get(k!)).toBe('v');
      const nodes = (await rr.health()).breaker.nodes;
      expect(nodes[victimNode]).toBe('open');
      for (const n of healthy) expect(nodes[`127.0.0.1:${n.port}`] ?? 'closed').toBe('closed');

      await victim!.restart();
      await cluster.waitForClusterOk();
      await waitFor(async () => (await rr.client.set(victimKey!, 'back').catch(() => null)) === 'OK', {
        timeoutMs: 20_000,
      });
      await waitFor(async () => Object.values((await rr.health()).breaker.nodes).every((s) => s === 'closed'));
    } finally {
      await rr.close();
      await cluster.stop();
    }
  });
});
