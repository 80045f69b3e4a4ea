/** Cluster: breakers are per node, so one dead master does not fail the slots that are healthy. */
import { isDeepStrictEqual } from 'node:util';
import { percentile, startCluster, stopAllRedis, waitFor } from '@redis-resilience/testkit';
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
      // Open long enough for the checks below to see it open, even on a loaded machine.
      breaker: { volumeThreshold: 3, resetTimeoutMs: 1500 },
    });
    try {
      const keys = await Promise.all(cluster.nodes.map((n) => cluster.keyOnNode(n, 'user')));
      for (const k of keys) expect(await rr.client.set(k, 'v')).toBe('OK');
      const [victim] = cluster.nodes;
      const [victimKey, ...healthyKeys] = keys;
      const victimNode = `127.0.0.1:${victim!.port}`;
      await victim!.kill();

      // Keys on the dead node fail (typed) until their breaker opens, then fail fast.
      const beforeOpen: unknown[] = [];
      await waitFor(
        async () => {
          const error = await rr.client.get(victimKey!).then(
            () => 'succeeded',
            (e: unknown) => e,
          );
          if (isCircuitOpenError(error)) return true;
          beforeOpen.push(error);
          return false;
        },
        { timeoutMs: 20_000, message: "the dead master's breaker to open" },
      );
      expect(beforeOpen.filter((e) => !isRedisUnavailableError(e)).map(String)).toEqual([]);
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) {
        const fast = await settle(rr.client.get(victimKey!));
        expect(isCircuitOpenError(fast.error), String(fast.error)).toBe(true);
        samples.push(fast.ms);
      }
      expect(percentile(samples, 90)).toBeLessThan(50);
      // Keys on healthy masters keep succeeding, with their breakers closed.
      for (let i = 0; i < 20; i++) for (const k of healthyKeys) expect(await rr.client.get(k!)).toBe('v');
      // Every master has its own breaker (plus `default`, for keyless calls); only the victim's is open.
      const breakers = (state: (node: string) => string) =>
        Object.fromEntries(['default', ...cluster.nodes.map((n) => `127.0.0.1:${n.port}`)].map((n) => [n, state(n)]));
      const nodes = async () => (await rr.health()).breaker.nodes;
      expect(await nodes()).toEqual(breakers((n) => (n === victimNode ? 'open' : 'closed')));

      await victim!.restart();
      await cluster.waitForClusterOk();
      await waitFor(async () => (await rr.client.set(victimKey!, 'back').catch(() => null)) === 'OK', {
        timeoutMs: 20_000,
      });
      const allClosed = breakers(() => 'closed');
      await waitFor(async () => isDeepStrictEqual(await nodes(), allClosed), {
        message: `every breaker closed: ${JSON.stringify(allClosed)}`,
      });
    } finally {
      await rr.close();
      await cluster.stop();
    }
  });
});
