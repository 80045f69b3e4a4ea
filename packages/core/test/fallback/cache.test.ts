/** Cache-aside against a real redis-server: healthy paths, corrupt and foreign values, and a real outage. */
import { type RedisProcess, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BinaryCodec } from '../../src/fallback/types.js';
import {
  init,
  isInvalidOptionsError,
  isLoaderTimeoutError,
  LoaderTimeoutError,
  type RedisResilience,
} from '../../src/index.js';
import { FALLBACK_DEFAULTS } from '../../src/options/index.js';
import { createCacheWith as createCache } from './build.js';
import { FAST, fallbackRecorder, ready, sleep } from './helpers.js';

afterAll(stopAllRedis);

describe('cache.getOrLoad, Redis healthy', () => {
  let server: RedisProcess;
  let rr: RedisResilience;
  let rec: ReturnType<typeof fallbackRecorder>;
  let n = 0;
  const key = () => `c${++n}`;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await rr?.close();
  });
  const setup = async () => {
    rec = fallbackRecorder();
    rr = init({ redis: server.url, ...FAST }, { instrumentation: rec.instrumentation });
    await ready(rr);
    rec.calls.length = 0;
    return createCache({ client: rr.client, instrumentation: rec.instrumentation }, { ttlSeconds: 60 });
  };

  it('miss loads and populates with SET EX; the next call is a hit without the loader', async () => {
    const cache = await setup();
    const k = key();
    let loads = 0;
    const loader = async () => ({ id: 1, name: 'x', loads: ++loads });
    expect(await cache.getOrLoad(k, loader)).toEqual({ id: 1, name: 'x', loads: 1 });
    await waitFor(async () => (await server.cli('GET', k)) !== '', { timeoutMs: 2000, message: 'entry populated' });
    expect(JSON.parse(await server.cli('GET', k))).toEqual({ id: 1, name: 'x', loads: 1 });
    const ttl = Number(await server.cli('TTL', k));
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await cache.getOrLoad(k, loader)).toEqual({ id: 1, name: 'x', loads: 1 });
    expect(loads).toBe(1);
    expect(rec.cacheResults).toEqual(['miss', 'hit']);
    expect(rec.of('cache.getOrLoad').map((c) => c.outcome)).toEqual(['success', 'success']);
    expect(rec.fallbacks).toEqual([]);
  });

  it('per-call ttlSeconds overrides the default', async () => {
    const cache = await setup();
    const k = key();
    await cache.getOrLoad(k, async () => 'v', { ttlSeconds: 5 });
    await waitFor(async () => Number(await server.cli('TTL', k)) > 0, { timeoutMs: 2000 });
    expect(Number(await server.cli('TTL', k))).toBeLessThanOrEqual(5);
  });

  it('1,000 concurrent misses on one key: one GET, one loader call, one value for all', async () => {
    const cache = await setup();
    const k = key();
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(20);
      return { v: 42 };
    };
    const values = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrLoad(k, loader)));
    expect(loads).toBe(1);
    expect(new Set(values.map((v) => JSON.stringify(v)))).toEqual(new Set(['{"v":42}']));
    expect(rec.of('get')).toHaveLength(1);
    expect(rec.cacheResults.filter((r) => r === 'miss')).toHaveLength(1000);
  });

  it('a corrupt cached value is a miss: reloaded and overwritten, never a crash', async () => {
    const cache = await setup();
    const k = key();
    await server.cli('SET', k, '{not json');
    expect(await cache.getOrLoad(k, async () => ({ ok: true }))).toEqual({ ok: true });
    await waitFor(async () => (await server.cli('GET', k)) === '{"ok":true}', { timeoutMs: 2000 });
    expect(rec.cacheResults).toEqual(['miss']);
  });

  it('WRONGTYPE on GET (the key holds a list) is a miss: the loader answers and SET replaces the list', async () => {
    const cache = await setup();
    const k = key();
    await server.cli('RPUSH', k, 'a');
    expect(await cache.getOrLoad(k, async () => 'fresh')).toBe('fresh');
    await waitFor(async () => (await server.cli('TYPE', k)) === 'string', { timeoutMs: 2000 });
    expect(rec.cacheResults).toEqual(['miss']);
  });

  it('a loader error propagates as the loader error itself, to every joiner, and is not cached', async () => {
    const cache = await setup();
    const k = key();
    const boom = new Error('db down');
    const calls = Array.from({ length: 10 }, () =>
      cache.getOrLoad(k, async () => {
        throw boom;
      }),
    );
    for (const c of calls) await expect(c).rejects.toBe(boom);
    expect(await server.cli('EXISTS', k)).toBe('0');
    const recorded = rec.of('cache.getOrLoad');
    expect(recorded).toHaveLength(10);
    for (const c of recorded) expect(c).toMatchObject({ outcome: 'failure', error: boom });
  });

  it('a loader that never settles: 10,000 waiting callers get LoaderTimeoutError, then the key loads afresh', async () => {
    const cache = await setup();
    const k = key();
    let starts = 0;
    let signal: AbortSignal | undefined;
    const hung = (ctx: { signal: AbortSignal }) => {
      starts++;
      signal = ctx.signal;
      return new Promise<never>(() => {});
    };
    const started = performance.now();
    const waiting = Array.from({ length: 10_000 }, () =>
      cache.getOrLoad(k, hung, { loaderTimeoutMs: 300 }).then(
        () => ({ error: undefined as unknown, at: performance.now() }),
        (error: unknown) => ({ error, at: performance.now() }),
      ),
    );
    // Meanwhile the value reaches Redis by another route.
    await server.cli('SET', k, '"from redis"');
    const outcomes = await Promise.all(waiting);
    expect(starts).toBe(1);
    expect(outcomes).toHaveLength(10_000);
    for (const o of outcomes) expect(isLoaderTimeoutError(o.error)).toBe(true);
    expect(outcomes[0]!.error).toBeInstanceOf(LoaderTimeoutError);
    expect(outcomes[0]!.error).toMatchObject({ code: 'ERR_LOADER_TIMEOUT', timeoutMs: 300 });
    expect((outcomes[0]!.error as Error).message).not.toContain(k);
    // Released at the timeout, not before, and not long after (the slack is for a loaded machine).
    const at = outcomes.map((o) => o.at - started).sort((a, b) => a - b);
    console.log(`hung loader: 10,000 callers released ${at[0]!.toFixed(0)}-${at.at(-1)!.toFixed(0)} ms after start`);
    expect(at[0]).toBeGreaterThanOrEqual(299);
    expect(at.at(-1)).toBeLessThan(300 + 2000);
    expect(signal?.aborted).toBe(true);
    expect(
      rec.of('cache.getOrLoad').filter((c) => c.outcome === 'failure' && isLoaderTimeoutError(c.error)),
    ).toHaveLength(10_000);

    // The next call is a flight of its own: it finds the value now in Redis, without a loader.
    let loads = 0;
    const counted = async () => {
      loads++;
      return 'loaded';
    };
    expect(await cache.getOrLoad(k, counted)).toBe('from redis');
    expect(loads).toBe(0);
    // And with nothing in Redis, it runs its own loader.
    await server.cli('DEL', k);
    expect(await cache.getOrLoad(k, counted)).toBe('loaded');
    expect(loads).toBe(1);
  });

  it('loaderTimeoutMs defaults to 10 s, set per cache or per call', async () => {
    expect(FALLBACK_DEFAULTS.cache.loaderTimeoutMs).toBe(10_000);
    await setup();
    const cache = createCache({ client: rr.client, instrumentation: rec.instrumentation }, { loaderTimeoutMs: 50 });
    const never = () => new Promise<never>(() => {});
    const err = await cache.getOrLoad(key(), never).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_LOADER_TIMEOUT', timeoutMs: 50 });
    const perCall = await cache.getOrLoad(key(), never, { loaderTimeoutMs: 80 }).catch((e: unknown) => e);
    expect(perCall).toMatchObject({ code: 'ERR_LOADER_TIMEOUT', timeoutMs: 80 });
  });

  it('a failed populate (Redis refuses writes: OOM) never fails the request', async () => {
    const cache = await setup();
    const k = key();
    await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await server.cli('CONFIG', 'SET', 'maxmemory', '1');
    try {
      expect(await cache.getOrLoad(k, async () => 'served anyway')).toBe('served anyway');
      expect(await cache.getOrLoad(k, async () => 'served again')).toBe('served again');
      expect(await server.cli('EXISTS', k)).toBe('0');
    } finally {
      await server.cli('CONFIG', 'SET', 'maxmemory', '0');
    }
  });

  it('a pluggable codec: binary values round-trip through getBuffer', async () => {
    const cache = await setup();
    const k = key();
    const codec: BinaryCodec<Uint8Array> = {
      binary: true,
      encode: (v) => Buffer.from(v),
      decode: (raw) => new Uint8Array(raw),
    };
    const bytes = new Uint8Array([0, 255, 10, 13, 0]);
    expect(await cache.getOrLoad(k, async () => bytes, { codec })).toEqual(bytes);
    await waitFor(async () => (await server.cli('STRLEN', k)) === '5', { timeoutMs: 2000 });
    let loads = 0;
    const again = await cache.getOrLoad(
      k,
      async () => {
        loads++;
        return bytes;
      },
      { codec },
    );
    expect(Array.from(again)).toEqual([0, 255, 10, 13, 0]);
    expect(loads).toBe(0);
  });

  it('validates its arguments with clear errors', async () => {
    const cache = await setup();
    await expect(cache.getOrLoad('', async () => 1)).rejects.toThrow('cache.getOrLoad: key must be a non-empty string');
    await expect(cache.getOrLoad('k', 'nope' as never)).rejects.toThrow('loader must be a function');
    const bad = await cache.getOrLoad('k', async () => 1, { ttlSeconds: 1.5 }).catch((e: unknown) => e);
    expect(isInvalidOptionsError(bad)).toBe(true);
    expect((bad as Error).message).toContain('ttlSeconds: must be an integer from 1');
    await expect(cache.getOrLoad('k', async () => 1, { ttlSeconds: 0 })).rejects.toThrow('ttlSeconds');
    expect(() => createCache({ client: rr.client, instrumentation: rec.instrumentation }, { ttlSeconds: -1 })).toThrow(
      'fallbacks.cache.ttlSeconds',
    );
    expect(() =>
      createCache({ client: rr.client, instrumentation: rec.instrumentation }, { loaderTimeoutMs: 0 }),
    ).toThrow('fallbacks.cache.loaderTimeoutMs: must be an integer from 1 to 2147483647 (got 0)');
    await expect(cache.getOrLoad('k', async () => 1, { loaderTimeoutMs: -1 })).rejects.toThrow(
      'loaderTimeoutMs: must be an integer from 1',
    );
    expect(() =>
      createCache({ client: rr.client, instrumentation: rec.instrumentation }, { codec: {} as never }),
    ).toThrow('fallbacks.cache.codec: must be an object with encode(value) and decode(raw)');
  });
});

describe('cache.getOrLoad, Redis down', () => {
  it('with breakerOpen reporting open, the loader answers without a GET being issued', async () => {
    const server = await startRedis();
    const rec = fallbackRecorder();
    const rr = init({ redis: server.url, ...FAST }, { instrumentation: rec.instrumentation });
    try {
      const cache = createCache({ client: rr.client, instrumentation: rec.instrumentation, breakerOpen: () => true });
      expect(await cache.getOrLoad('k', async () => 'from source')).toBe('from source');
      expect(rec.of('get')).toHaveLength(0);
      expect(rec.fallbacks).toEqual([{ type: 'cache_aside', reason: 'circuit_open', served: true }]);
      expect(rec.of('cache.getOrLoad')[0]).toMatchObject({
        outcome: 'fallback',
        fallbacks: [{ type: 'cache_aside', reason: 'circuit_open', served: true }],
      });
    } finally {
      await rr.close();
    }
  });

  it('an outage at a steady rate: every request answered right and fast, single-flight holds, hits return after restart', async () => {
    const server = await startRedis();
    const rec = fallbackRecorder();
    const rr = init({ redis: server.url, ...FAST }, { instrumentation: rec.instrumentation });
    const cache = createCache({ client: rr.client, instrumentation: rec.instrumentation }, { ttlSeconds: 60 });
    await ready(rr);
    const source = new Map(Array.from({ length: 5 }, (_, i) => [`user:${i}`, { id: i, name: `user ${i}` }]));
    let loads = 0;
    const loader = (k: string) => async () => {
      loads++;
      await new Promise((r) => setImmediate(r));
      return source.get(k);
    };
    interface Sample {
      at: number;
      ms: number;
      ok: boolean;
      result?: string;
      reason?: string;
    }
    const samples: Sample[] = [];
    let seq = 0;
    const pending = new Set<Promise<unknown>>();
    /** One request every 20 ms until `until()` says stop; each records its latency, correctness and result. */
    const drive = async (until: () => boolean) => {
      while (!until()) {
        const k = `user:${seq++ % 5}`;
        const at = performance.now();
        const index = rec.calls.length; // getOrLoad opens its call synchronously
        const p = cache.getOrLoad(k, loader(k)).then(
          (v) => {
            const call = rec.calls[index]!;
            samples.push({
              at,
              ms: performance.now() - at,
              ok: JSON.stringify(v) === JSON.stringify(source.get(k)),
              result: call.cacheResult,
              reason: call.fallbacks[0]?.reason,
            });
          },
          () => samples.push({ at, ms: performance.now() - at, ok: false }),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
        await sleep(20);
      }
      await Promise.all(pending);
    };
    const forMs = (ms: number) => {
      const end = performance.now() + ms;
      return () => performance.now() >= end;
    };
    try {
      // Warm: every key cached.
      await drive(forMs(600));
      expect(samples.slice(-10).every((s) => s.result === 'hit')).toBe(true);

      await server.kill();
      const outageStart = performance.now();
      await drive(forMs(3000));
      const outage = samples.filter((s) => s.at >= outageStart);
      expect(outage.length).toBeGreaterThan(100);
      expect(outage.every((s) => s.ok)).toBe(true);
      expect(outage.every((s) => s.result === 'fallback')).toBe(true);
      // The breaker is open from the first circuit_open rejection on; requests issued after it take the fast path.
      const openedAt = Math.min(...outage.filter((s) => s.reason === 'circuit_open').map((s) => s.at + s.ms));
      expect(openedAt).toBeLessThan(Number.POSITIVE_INFINITY);
      const beforeOpen = outage.filter((s) => s.at < openedAt);
      const afterOpen = outage.filter((s) => s.at >= openedAt);
      expect(afterOpen.length).toBeGreaterThan(50);
      const maxBefore = Math.max(0, ...beforeOpen.map((s) => s.ms));
      const after = afterOpen.map((s) => s.ms).sort((a, b) => a - b);
      const p95After = after[Math.ceil(after.length * 0.95) - 1]!;
      // Before the breaker opens a request costs at most the client's deadline (500 ms): a bound, so the maximum.
      expect(maxBefore).toBeLessThan(rr.options.retry.deadlineMs + 100);
      if (p95After >= 20)
        console.log(
          afterOpen.map((s) => `${(s.at - outageStart).toFixed(0)}:${s.ms.toFixed(0)}:${s.reason}`).join(' '),
        );
      // After, the fail-fast path: 95 % of over 50 requests well below the 500 ms deadline. A percentile, not the
      // maximum, so one GC pause on a loaded machine cannot fail it; any wait of ours on every request would.
      expect(p95After).toBeLessThan(50);

      // Single-flight while down: 1,000 concurrent requests for a cold key, one loader call.
      const loadsBefore = loads;
      source.set('cold', { id: 99, name: 'cold' });
      const cold = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrLoad('cold', loader('cold'))));
      expect(loads - loadsBefore).toBe(1);
      expect(cold.every((v) => JSON.stringify(v) === '{"id":99,"name":"cold"}')).toBe(true);

      // Every fallback visible: a span event on its call and a metric hook call.
      const fallbackCalls = rec.of('cache.getOrLoad').filter((c) => c.outcome === 'fallback');
      expect(fallbackCalls.length).toBe(outage.length + 1000);
      expect(fallbackCalls.every((c) => c.fallbacks.length === 1 && c.fallbacks[0]!.type === 'cache_aside')).toBe(true);
      expect(rec.fallbacks.filter((f) => f.type === 'cache_aside' && f.served)).toHaveLength(fallbackCalls.length);

      await server.restart();
      const restartedAt = performance.now();
      const WINDOW = 25;
      let recoveredAt = 0;
      await drive(() => {
        const after = samples.filter((s) => s.at >= restartedAt);
        if (after.length >= WINDOW) {
          const hits = after.slice(-WINDOW).filter((s) => s.result === 'hit').length;
          if (hits / WINDOW >= 0.9) recoveredAt = after.at(-1)!.at;
        }
        if (performance.now() - restartedAt > 10_000) return true;
        return recoveredAt > 0;
      });
      expect(recoveredAt, 'hit share over the last 25 requests never reached 90%').toBeGreaterThan(0);
      const recoveryMs = recoveredAt - restartedAt;
      expect(recoveryMs).toBeLessThan(5000);
      expect(samples.every((s) => s.ok)).toBe(true);
      console.log(
        `cache outage: ${outage.length} requests, breaker open after ${(openedAt - outageStart).toFixed(0)} ms; max latency ${maxBefore.toFixed(1)} ms before the breaker opened, ` +
          `p95 ${p95After.toFixed(1)} ms (max ${after.at(-1)!.toFixed(1)} ms) over ${after.length} after; hits >= 90% ${recoveryMs.toFixed(0)} ms after restart`,
      );
    } finally {
      await Promise.all(pending);
      await rr.close();
    }
  });
});
