/** Sessions on a real Redis Cluster: a write-back batch spans many slots, so it goes as single commands. */
import { startCluster, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { createSessionStoreWith as createSessionStore } from './build.js';
import { fallbackRecorder } from './helpers.js';

afterAll(stopAllRedis);

it('outage writes reach every master on write-back; whole-store reads refuse rather than answer for one node', async () => {
  const cluster = await startCluster({ masters: 3 });
  const rr = init({ redis: { cluster: cluster.startupNodes }, tracing: false });
  const rec = fallbackRecorder();
  let hold = true; // as an open breaker would: writes are kept pending
  const store = createSessionStore(
    { client: rr.client, instrumentation: rec.instrumentation, breakerOpen: () => hold },
    { writeBackIntervalMs: 3_600_000 },
  );
  try {
    const sids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    for (const sid of sids) await store.set(sid, { cookie: { expires: new Date(Date.now() + 600_000) }, sid });
    expect(store.pendingWriteBacks).toBe(30);
    hold = false;
    expect(await store.flush()).toBe(30);
    expect(store.pendingWriteBacks).toBe(0);
    const masters = new Set(await Promise.all(sids.map(async (sid) => (await cluster.masterFor(`sess:${sid}`)).port)));
    expect(masters.size).toBe(3);
    for (const sid of sids) {
      const node = await cluster.masterFor(`sess:${sid}`);
      expect(JSON.parse(await node.cli('GET', `sess:${sid}`)).sid).toBe(sid);
    }
    expect(rec.writeBackFailures).toEqual([]);
    for (const method of ['length', 'ids', 'all', 'clear'] as const) {
      await expect(store[method](), method).rejects.toThrow(
        `rr.sessions.${method}() is not available on Redis Cluster`,
      );
    }
  } finally {
    store.close();
    await rr.close();
    await cluster.stop();
  }
});
