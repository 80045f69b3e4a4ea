/**
 * Issue #19: in a real 3-master cluster (no replicas, cluster-require-full-coverage no), one master is SIGKILLed under
 * steady traffic on keys of every master. Once that node's breaker has opened, no call on its keys takes longer than
 * 100 ms (the maximum, over at least 15 s and two half-open probes); healthy keys keep succeeding; every failure is
 * typed. Pipelines follow the breaker of the node that owns their keys.
 */
import { startCluster, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init, isRedisUnavailableError } from '../src/index.js';
import { settle } from './helpers.js';
import { sample } from './telemetry/harness.js';

afterAll(stopAllRedis);

describe('cluster: a dead master fails fast through every probe', () => {
  it('keeps every call on the dead master under 100 ms once its breaker opened, through ≥ 2 probes', {
    timeout: 120_000,
  }, async () => {
    const cluster = await startCluster({ masters: 3 });
    const rr = init({
      redis: { cluster: cluster.startupNodes },
      serviceName: 'cluster-ff',
      tracing: false,
      breaker: { resetTimeoutMs: 2000, maxResetTimeoutMs: 4000 },
    });
    try {
      const keys = await Promise.all(cluster.nodes.map((n) => cluster.keyOnNode(n, 'ff')));
      for (const k of keys) expect(await rr.client.set(k, 'v')).toBe('OK');
      const [victim] = cluster.nodes;
      const [victimKey, ...healthyKeys] = keys;
      const victimNode = `127.0.0.1:${victim!.port}`;

      type Call = { key: 'victim' | 'healthy'; at: number; ms: number; ok: boolean; typed: boolean; pipeline: boolean };
      const calls: Call[] = [];
      const issue = (key: 'victim' | 'healthy', pipeline: boolean) => {
        const k = key === 'victim' ? victimKey! : healthyKeys[calls.length % healthyKeys.length]!;
        const at = performance.now();
        const p: Promise<unknown> = pipeline ? rr.client.pipeline().get(k).get(k).exec() : rr.client.get(k);
        p.then(
          () => calls.push({ key, at, ms: performance.now() - at, ok: true, typed: true, pipeline }),
          (e: unknown) =>
            calls.push({ key, at, ms: performance.now() - at, ok: false, typed: isRedisUnavailableError(e), pipeline }),
        );
      };
      let n = 0;
      const traffic = setInterval(() => {
        n++;
        issue('victim', n % 5 === 0);
        issue('healthy', n % 5 === 0);
        issue('healthy', false);
      }, 10);

      await victim!.kill();
      await waitFor(async () => (await rr.health()).breaker.nodes[victimNode] === 'open', {
        timeoutMs: 20_000,
        message: 'the dead master breaker to open',
      });
      const openedAt = performance.now();
      const probes = async () => {
        const text = await rr.metrics();
        let total = 0;
        for (const result of ['success', 'failure'])
          total +=
            sample(
              text,
              `redis_resilience_circuit_breaker_probes_total{client="cluster-ff",node="${victimNode}",trigger="timer",result="${result}"}`,
            ) ?? 0;
        return total;
      };
      await waitFor(async () => performance.now() - openedAt >= 15_000 && (await probes()) >= 2, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: '15 s and two probes of the dead master',
      });
      clearInterval(traffic);
      await new Promise((r) => setTimeout(r, 1000)); // the last calls settle

      const after = calls.filter((c) => c.at >= openedAt);
      const victimCalls = after.filter((c) => c.key === 'victim');
      const healthyCalls = after.filter((c) => c.key === 'healthy');
      const worst = Math.max(...victimCalls.map((c) => c.ms));
      const healthyOk = healthyCalls.filter((c) => c.ok).length / healthyCalls.length;
      console.log(
        `dead master: ${victimCalls.length} calls, max ${worst.toFixed(1)} ms; healthy: ${healthyCalls.length} calls, ` +
          `${(healthyOk * 100).toFixed(2)} % ok; probes ${await probes()}`,
      );
      expect(victimCalls.length).toBeGreaterThan(1000);
      expect(victimCalls.filter((c) => c.pipeline).length).toBeGreaterThan(100);
      expect(worst).toBeLessThanOrEqual(100);
      expect(victimCalls.every((c) => !c.ok && c.typed)).toBe(true);
      expect(healthyCalls.filter((c) => c.pipeline).length).toBeGreaterThan(100);
      expect(healthyOk).toBeGreaterThanOrEqual(0.99);
      expect(calls.filter((c) => !c.ok).every((c) => c.typed)).toBe(true);

      // A pipeline whose keys span a healthy and the dead node is checked against each node: it fails fast.
      const spanning = await settle(rr.client.pipeline().get(healthyKeys[0]!).get(victimKey!).exec());
      expect(spanning.error).toMatchObject({ code: 'ERR_CIRCUIT_OPEN', node: victimNode });
      expect(spanning.ms).toBeLessThan(50);
      const nodes = (await rr.health()).breaker.nodes;
      for (const other of cluster.nodes.slice(1)) expect(nodes[`127.0.0.1:${other.port}`] ?? 'closed').toBe('closed');

      // Back: the master's reconnect lets its breaker probe at once; its keys serve again.
      const restartedAt = performance.now();
      await victim!.restart();
      await waitFor(async () => (await rr.client.set(victimKey!, 'back').catch(() => null)) === 'OK', {
        timeoutMs: 20_000,
        message: 'the restarted master to serve its keys',
      });
      console.log(
        `restarted master served its keys ${Math.round(performance.now() - restartedAt)} ms after the restart`,
      );
      expect((await rr.health()).breaker.nodes[victimNode]).toBe('closed');
    } finally {
      await rr.close();
      await cluster.stop();
    }
  });
});
