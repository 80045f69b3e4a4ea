/**
 * `rr.sessions` as a drop-in for connect-redis, against a real redis-server: the same keys and serializer both ways
 * (so existing sessions survive the swap, and a rollback), the same options, callbacks and promises, what each
 * method does during an outage, and ClientClosedError after close.
 */
import { promisify } from 'node:util';
import { type RedisProcess, startFaultProxy, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { RedisStore } from 'connect-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/fallback/sessions.js';
import type { SessionStoreOptions } from '../../src/fallback/types.js';
import { init, isRedisUnavailableError, type ResilienceOptions } from '../../src/index.js';
import { createFallbacksWith as createFallbacks, createSessionStoreWith as createSessionStore } from './build.js';
import { fallbackRecorder, ready, STEADY } from './helpers.js';

let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(stopAllRedis);

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const ttlOf = async (key: string) => Number(await server.cli('TTL', key));

/** rr.sessions on this test's server, and a plain ioredis client for connect-redis. */
async function both(sessions: SessionStoreOptions = {}, extra: Partial<ResilienceOptions> = {}) {
  const rr = init({ redis: server.url, ...STEADY, tracing: false, ...extra, fallbacks: { sessions } });
  const client = new Redis(server.url);
  await ready(rr);
  // Typed as our store: the same methods, with sessions not tied to express-session's SessionData.
  const connectRedis = new RedisStore({ client, ...(sessions as object) }) as unknown as SessionStore;
  return {
    rr,
    store: rr.sessions,
    connectRedis,
    close: async () => {
      client.disconnect();
      await rr.close();
    },
  };
}

/** A serializer that is not JSON on the wire: base64 of the JSON. */
const base64 = {
  stringify: (s: unknown) => Buffer.from(JSON.stringify(s)).toString('base64'),
  parse: (t: string) => JSON.parse(Buffer.from(t, 'base64').toString()),
};

describe('the key layout is connect-redis’s, both ways', () => {
  it.each([
    ['defaults (sess:, JSON)', {}],
    ['a custom prefix and serializer', { prefix: 'shop:s:', serializer: base64 }],
  ])('%s', async (_name, options: SessionStoreOptions) => {
    const { store, connectRedis, close } = await both(options);
    const prefix = options.prefix ?? 'sess:';
    try {
      // Written by connect-redis (as by the service before the swap): rr.sessions reads it, with its TTL kept.
      const before = { cookie: { expires: inSeconds(600), originalMaxAge: 600_000 }, user: 'ada', cart: [1, 2] };
      await connectRedis.set('from-connect-redis', before);
      expect(await store.get('from-connect-redis')).toEqual(before);
      expect(await store.ids()).toContain('from-connect-redis');
      const raw = await server.cli('GET', `${prefix}from-connect-redis`);
      expect(options.serializer ? base64.parse(raw) : JSON.parse(raw)).toEqual(before);

      // Written by rr.sessions: byte for byte what connect-redis writes, so a rollback keeps sessions too.
      const after = { cookie: { expires: inSeconds(900) }, user: 'grace' };
      await store.set('from-rr', after);
      expect(await connectRedis.get('from-rr')).toEqual(after);
      await connectRedis.set('from-cr-same', after);
      expect(await server.cli('GET', `${prefix}from-rr`)).toBe(await server.cli('GET', `${prefix}from-cr-same`));
      const ttl = await ttlOf(`${prefix}from-rr`);
      expect(ttl).toBeGreaterThan(890);
      expect(ttl).toBeLessThanOrEqual(900);

      // touch by one, seen by the other; destroy by one, gone for the other.
      await store.touch('from-connect-redis', { ...before, cookie: { expires: inSeconds(3000) } });
      expect(await ttlOf(`${prefix}from-connect-redis`)).toBeGreaterThan(2900);
      await connectRedis.destroy('from-rr');
      expect(await store.get('from-rr')).toBeNull();
      expect((await store.all()).map((s: { id: string }) => s.id).sort()).toEqual(
        (await connectRedis.all()).map((s: { id: string }) => s.id).sort(),
      );
    } finally {
      await close();
    }
  });
});

describe('connect-redis options mean the same', () => {
  it('ttl as a function of the session wins over the cookie, and its 0 removes the session', async () => {
    const ttl = (s: { role?: string; gone?: boolean }) => (s.gone ? 0 : s.role === 'admin' ? 600 : 60);
    const { store, close } = await both({ ttl });
    try {
      await store.set('admin', { cookie: { expires: inSeconds(5000) }, role: 'admin' });
      await store.set('user', { cookie: { expires: inSeconds(5000) } });
      expect(await ttlOf('sess:admin')).toBeGreaterThan(590);
      expect(await ttlOf('sess:admin')).toBeLessThanOrEqual(600);
      expect(await ttlOf('sess:user')).toBeLessThanOrEqual(60);
      await store.set('user', { gone: true });
      expect(await server.cli('EXISTS', 'sess:user')).toBe('0');
    } finally {
      await close();
    }
  });

  it('disableTouch: touch leaves the TTL alone; disableTTL: no TTL at all, touch a no-op, expired still removed', async () => {
    const a = await both({ disableTouch: true, prefix: 'dt:' });
    try {
      await a.store.set('s', { cookie: { expires: inSeconds(60) } });
      await a.store.touch('s', { cookie: { expires: inSeconds(6000) } });
      expect(await ttlOf('dt:s')).toBeLessThanOrEqual(60);
    } finally {
      await a.close();
    }
    const b = await both({ disableTTL: true, prefix: 'nottl:' });
    try {
      await b.store.set('s', { cookie: { expires: inSeconds(60) } });
      expect(await ttlOf('nottl:s')).toBe(-1);
      await b.store.touch('s', { cookie: { expires: inSeconds(60) } });
      expect(await ttlOf('nottl:s')).toBe(-1);
      await b.store.set('s', { cookie: { expires: inSeconds(-1) } });
      expect(await server.cli('EXISTS', 'nottl:s')).toBe('0');
    } finally {
      await b.close();
    }
  });

  it('the prefix is matched literally by the SCAN behind length/ids/all/clear, never as a glob', async () => {
    const { store, close } = await both({ prefix: 'app[1]:' });
    try {
      await server.cli('SET', 'app1:not-a-session', 'x');
      await server.cli('SET', 'appX:other', 'x');
      await store.set('mine', { cookie: { expires: inSeconds(60) } });
      expect(await store.ids()).toEqual(['mine']);
      await store.clear();
      expect(await server.cli('EXISTS', 'app1:not-a-session', 'appX:other', 'app[1]:mine')).toBe('2');
    } finally {
      await close();
    }
  });

  it('bad options fail at init (createFallbacks is what init calls), naming the field', async () => {
    const rr = init({ redis: server.url, ...STEADY, tracing: false });
    const deps = { client: rr.client, instrumentation: fallbackRecorder().instrumentation };
    await rr.close();
    const make = (sessions: unknown) => () =>
      createFallbacks({ ...deps, options: { sessions: sessions as SessionStoreOptions } });
    expect(make({ ttl: '1d' })).toThrow('fallbacks.sessions.ttl: must be a number of seconds or a function');
    expect(make({ ttl: 60, ttlSeconds: 60 })).toThrow('fallbacks.sessions.ttlSeconds: is the former name');
    expect(make({ serializer: { parse: JSON.parse } })).toThrow('fallbacks.sessions.serializer: must be an object');
    expect(make({ disableTouch: 'yes' })).toThrow('fallbacks.sessions.disableTouch: must be true or false');
    expect(make({ disableTTL: 1 })).toThrow('fallbacks.sessions.disableTTL');
    expect(make({ scanCount: 0 })).toThrow('fallbacks.sessions.scanCount');
    expect(make({ prefix: 5 })).toThrow('fallbacks.sessions.prefix: must be a string');
    expect(make({ client: {} })).toThrow('unknown option fallbacks.sessions.client');
  });

  it('the former ttlSeconds still works', async () => {
    const { store, close } = await both({ ttlSeconds: 120, prefix: 'legacy:' });
    try {
      await store.set('s', { user: 'x' });
      expect(await ttlOf('legacy:s')).toBeLessThanOrEqual(120);
      expect(await ttlOf('legacy:s')).toBeGreaterThan(110);
    } finally {
      await close();
    }
  });
});

describe('callbacks and promises', () => {
  it('every method takes a callback (errors go there, the promise never rejects) or returns a promise', async () => {
    const { store, close } = await both({ prefix: 'cb:' });
    const cb = <T>(fn: (callback: (err: unknown, v?: T) => void) => unknown) => promisify(fn)();
    try {
      const s = { cookie: { expires: inSeconds(60) }, n: 1 };
      await cb((done) => store.set('a', s, done));
      expect(await cb((done) => store.get('a', done))).toEqual(s);
      await cb((done) => store.touch('a', s, done));
      expect(await cb((done) => store.length(done))).toBe(1);
      expect(await cb((done) => store.ids(done))).toEqual(['a']);
      expect(await cb((done) => store.all(done))).toEqual([{ ...s, id: 'a' }]);
      await cb((done) => store.destroy('a', done));
      expect(await cb((done) => store.get('a', done))).toBeNull();
      await cb((done) => store.clear(done));
      // A serializer error reaches the callback; the returned promise still resolves.
      const circular: Record<string, unknown> = { cookie: { expires: inSeconds(60) } };
      circular.self = circular;
      let seen: unknown;
      const returned = store.set('c', circular, (err) => {
        seen = err;
      });
      await expect(returned).resolves.toBeUndefined();
      await new Promise((r) => setImmediate(r));
      expect(seen).toBeInstanceOf(TypeError);
      await expect(store.set('c', circular)).rejects.toBeInstanceOf(TypeError);
    } finally {
      await close();
    }
  });
});

describe('during an outage', () => {
  it('get/set/touch/destroy answer from memory; length/ids/all/clear reject; afterwards the pending writes count', async () => {
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    const rec = fallbackRecorder();
    let breakerOpen = false;
    const rr = init({ redis: proxy.url, ...STEADY, tracing: false });
    const store: SessionStore = createSessionStore(
      { client: rr.client, instrumentation: rec.instrumentation, breakerOpen: () => breakerOpen },
      { prefix: 'out:', writeBackIntervalMs: 3_600_000 },
    );
    try {
      await ready(rr);
      await store.set('seen', { cookie: { expires: inSeconds(600) }, user: 'seen' });
      await store.set('doomed', { cookie: { expires: inSeconds(600) }, user: 'doomed' });
      await proxy.setMode('reset');

      expect((await store.get('seen'))?.user).toBe('seen'); // a session this instance saw
      expect(await store.get('never-seen')).toBeNull(); // one it did not: logged out here, counted as failed
      expect(rec.fallbacks.slice(-2).map((f) => f.served)).toEqual([true, false]);
      await store.set('new', { cookie: { expires: inSeconds(600) }, user: 'new' });
      await store.touch('seen', { cookie: { expires: inSeconds(900) }, user: 'seen' });
      await store.destroy('doomed');
      await store.set('expired', { cookie: { expires: inSeconds(-5) } }); // an expired cookie: a destroy
      expect((await store.get('new'))?.user).toBe('new');
      expect(await store.get('doomed')).toBeNull();
      expect(store.pendingWriteBacks).toBe(4);

      for (const method of ['length', 'ids', 'all', 'clear'] as const) {
        const err = await store[method]().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isRedisUnavailableError(err), method).toBe(true);
        const viaCallback = await new Promise((resolve) => store[method]((e: unknown) => resolve(e)));
        expect(isRedisUnavailableError(viaCallback), method).toBe(true);
      }
      // clear() failed, but what this instance held is gone: none of it may be written back after a clear.
      expect(store.pendingWriteBacks).toBe(0);
      expect(await store.get('seen')).toBeNull();

      // Back, with writes still held (as by an open breaker): length/ids/all show this instance's pending writes.
      breakerOpen = true;
      await store.set('late', { cookie: { expires: inSeconds(600) }, user: 'late' });
      await store.destroy('seen');
      await proxy.setMode('pass');
      await ready(rr);
      expect(await server.cli('EXISTS', 'out:seen', 'out:late')).toBe('1');
      expect((await store.ids()).sort()).toEqual(['doomed', 'late']);
      expect(await store.length()).toBe(2);
      expect((await store.all()).map((s: { user: string }) => s.user).sort()).toEqual(['doomed', 'late']);
      breakerOpen = false;
      expect(await store.flush()).toBe(2);
      expect((await store.ids()).sort()).toEqual(['doomed', 'late']);
      expect(await server.cli('EXISTS', 'out:seen', 'out:late')).toBe('1');
    } finally {
      store.close();
      await rr.close();
      await proxy.close();
    }
  });
});

describe('what this instance remembers', () => {
  it('a session another instance destroyed is not served from memory in an outage once Redis said it is gone', async () => {
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    const here = init({ redis: proxy.url, ...STEADY, tracing: false, fallbacks: { sessions: { prefix: 'mem:' } } });
    const there = init({ redis: server.url, ...STEADY, tracing: false, fallbacks: { sessions: { prefix: 'mem:' } } });
    try {
      await ready(here);
      await ready(there);
      const s = { cookie: { expires: inSeconds(600) }, user: 'eve' };
      await here.sessions.set('gone', s);
      await here.sessions.set('kept', s);
      await there.sessions.destroy('gone'); // a logout served by another instance
      await here.sessions.touch('gone', s); // EXPIRE answers 0: Redis no longer has it
      await here.sessions.touch('kept', s);
      await proxy.setMode('reset');
      expect(await here.sessions.get('gone')).toBeNull();
      expect((await here.sessions.get('kept'))?.user).toBe('eve');
    } finally {
      await here.close();
      await there.close();
      await proxy.close();
    }
  });
});

describe('after rr.close()', () => {
  it('every store method fails with ClientClosedError, through the callback and the rejected promise', async () => {
    const rr = init({ redis: server.url, ...STEADY, tracing: false });
    const store = rr.sessions;
    await ready(rr);
    await store.set('s', { cookie: { expires: inSeconds(60) } });
    await rr.close();
    const s = { cookie: { expires: inSeconds(60) } };
    const calls: Record<string, (cb?: (err: unknown) => void) => Promise<unknown>> = {
      get: (cb) => (cb ? store.get('s', cb) : store.get('s')),
      set: (cb) => store.set('s', s, cb),
      touch: (cb) => store.touch('s', s, cb),
      destroy: (cb) => store.destroy('s', cb),
      clear: (cb) => store.clear(cb),
      length: (cb) => store.length(cb),
      ids: (cb) => store.ids(cb),
      all: (cb) => store.all(cb),
    };
    for (const [name, call] of Object.entries(calls)) {
      await expect(call(), name).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
      const viaCallback = await new Promise((resolve) => void call(resolve));
      expect(viaCallback, name).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    }
    await expect(store.flush()).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    // A store first asked for after close is closed too.
    const late = init({ redis: server.url, ...STEADY, tracing: false });
    await late.close();
    await expect(late.sessions.get('s')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });
});
