/** The mission: when Redis dies, calls fail fast instead of hanging, memory stays flat, and recovery is automatic. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { percentile, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { init, isCircuitOpenError, isRedisUnavailableError } from '../src/index.js';
import { recordingInstrumentation, settle } from './helpers.js';

afterAll(stopAllRedis);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('outage', () => {
  it('once the breaker is open, GET rejects in under 50 ms; raw ioredis defaults are still hanging', async () => {
    const server = await startRedis();
    const rec = recordingInstrumentation();
    const rr = init(
      { redis: server.url, breaker: { volumeThreshold: 5, resetTimeoutMs: 60_000 } },
      { instrumentation: rec.instrumentation },
    );
    const raw = new Redis(server.url);
    raw.on('error', () => {});
    try {
      await rr.client.set('k', 'v');
      await raw.ping();
      await server.kill();
      // Drive failures until the breaker opens.
      await waitFor(async () => isCircuitOpenError(await rr.client.get('k').catch((e: unknown) => e)), {
        timeoutMs: 30_000,
      });
      expect(rec.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['closed->open']);
      const samples: number[] = [];
      for (let i = 0; i < 200; i++) {
        const { error, ms } = await settle(rr.client.get('k'));
        expect(isCircuitOpenError(error)).toBe(true);
        samples.push(ms);
      }
      samples.sort((a, b) => a - b);
      expect(samples[Math.floor(samples.length * 0.99)]).toBeLessThan(50);

      // The same call on ioredis defaults: still pending long after ours gave up (it waits ~73 s in total).
      let rawSettled = false;
      raw.get('k').then(
        () => (rawSettled = true),
        () => (rawSettled = true),
      );
      await new Promise((r) => setTimeout(r, rr.options.retry.deadlineMs));
      expect(rawSettled).toBe(false);
    } finally {
      raw.disconnect();
      await rr.close();
    }
  });

  it("a rejection's stack shows where the app made the call, not the policies' frames", async () => {
    const server = await startRedis();
    const rr = init({ redis: server.url, breaker: { volumeThreshold: 5, resetTimeoutMs: 60_000 } });
    try {
      await rr.client.set('k', 'v');
      await server.kill();
      async function loadCartFromCache(): Promise<unknown> {
        return rr.client.get('k').catch((e: unknown) => e);
      }
      await waitFor(async () => isCircuitOpenError(await loadCartFromCache()), { timeoutMs: 30_000 });
      const stack = String(((await loadCartFromCache()) as Error).stack);
      expect(stack).toMatch(/^CircuitOpenError: GET rejected/);
      expect(stack).toContain('loadCartFromCache');
      for (const internal of ['Breaker.admit', 'Call.attempt', 'Executor.run', 'new Promise']) {
        expect(stack).not.toContain(internal);
      }
    } finally {
      await rr.close();
    }
  });

  it('10,000 commands during an outage: none hangs past its deadline, no unhandled rejection, heap flat', async () => {
    const server = await startRedis();
    const rr = init({ redis: server.url, breaker: { resetTimeoutMs: 500 }, queue: { maxWaitMs: 200 } });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await rr.client.set('k', 'v');
      await server.kill();
      const deadline = rr.options.retry.deadlineMs;
      let worst = 0;
      let failures = 0;
      const wave = async (n: number) => {
        const results = await Promise.all(Array.from({ length: n }, () => settle(rr.client.get('k'))));
        for (const r of results) {
          worst = Math.max(worst, r.ms);
          if (isRedisUnavailableError(r.error)) failures++;
        }
      };
      await wave(1000); // warm up: open the breaker, allocate what stays allocated
      const before = heapAfterGc();
      for (let i = 0; i < 10; i++) await wave(1000);
      const growth = heapAfterGc() - before;
      expect(failures).toBe(11_000);
      expect(worst).toBeLessThan(deadline + 250);
      expect(growth).toBeLessThan(8 * 1024 * 1024);
      expect((await rr.health()).offlineQueue.length).toBe(0);
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await rr.close();
    }
  });

  it('after Redis returns, the breaker closes within resetTimeout plus one probe, with no user traffic', async () => {
    const server = await startRedis();
    const rec = recordingInstrumentation();
    const resetTimeoutMs = 300;
    const rr = init(
      { redis: server.url, breaker: { volumeThreshold: 3, resetTimeoutMs }, timeouts: { connectMs: 500 } },
      { instrumentation: rec.instrumentation },
    );
    try {
      await rr.client.set('k', 'v');
      await server.kill();
      await waitFor(async () => isCircuitOpenError(await rr.client.get('k').catch((e: unknown) => e)), {
        timeoutMs: 30_000,
      });
      await server.restart();
      const reconnected = await waitFor(
        async () => ((await rr.health()).connection.status === 'ready' ? Date.now() : 0),
        {
          timeoutMs: 10_000,
        },
      );
      // From the reconnect on, at most one reset period and one probe (connect + PING bounds) pass before closing.
      const closedAt = await waitFor(async () => ((await rr.health()).breaker.state === 'closed' ? Date.now() : 0), {
        timeoutMs: resetTimeoutMs + 500 + 1000 + 1000,
        intervalMs: 5,
      });
      expect(closedAt - reconnected).toBeLessThanOrEqual(resetTimeoutMs + 500 + 1000);
      const path = rec.transitions.map((t) => t.to);
      expect(path.slice(-2)).toEqual(['half_open', 'closed']);
      expect(await rr.client.get('k')).toBeNull(); // a fresh server (no persistence): the call succeeds
      expect((await rr.health()).status).toBe('ok');
    } finally {
      await rr.close();
    }
  });

  it('with default options, a refused connection fails the call at once instead of waiting for a connection', async () => {
    const server = await startRedis();
    // One call per client: each has its own breaker, which three calls of three attempts would otherwise open.
    const clients = Array.from({ length: 10 }, () => {
      const rec = recordingInstrumentation();
      return { rec, rr: init({ redis: server.url }, { instrumentation: rec.instrumentation }) };
    });
    try {
      for (const { rr } of clients) await rr.client.set('k', 'v');
      await server.kill();
      await waitFor(() => clients.every(({ rec }) => rec.connectionErrors.includes('refused')), {
        message: 'every client to see its connection refused',
      });
      // "At once": the call takes its retries' backoff and nothing more; it never waits for a connection
      // (queue.maxWaitMs, 1000 ms by default) while the last connect was refused.
      const waited: number[] = [];
      for (const { rr, rec } of clients) {
        const { error, ms } = await settle(rr.client.get('k'));
        expect(isRedisUnavailableError(error), String(error)).toBe(true);
        expect((error as { errorType: string }).errorType).toBe('refused');
        const call = rec.calls.at(-1)!;
        expect(call.attempts.map((a) => a.errorType)).toEqual(['refused', 'refused', 'refused']);
        waited.push(ms - call.retries.reduce((sum, r) => sum + r.delayMs, 0));
      }
      expect(percentile(waited, 90)).toBeLessThan(100);
    } finally {
      await Promise.all(clients.map(({ rr }) => rr.close()));
    }
  });
});
