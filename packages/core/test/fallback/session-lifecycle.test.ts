/**
 * The store lifecycle connect-redis users depend on, against a real redis-server: clear, set/get, the TTL from
 * `cookie.expires`, touch extending it, length/ids/all, destroy, 1,000 sessions, and an expired cookie that removes
 * the session. The same steps run against connect-redis itself (on plain ioredis), so they describe what a service
 * that swaps connect-redis for `rr.sessions` relies on, not what this package happens to do.
 */
import { type RedisProcess, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { RedisStore } from 'connect-redis';
import { Cookie } from 'express-session';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { ready, STEADY } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: sessions are express-session's SessionData, whichever store hands them
type Session = any;

/** The promise API both stores share. */
interface LifecycleStore {
  get(sid: string): Promise<Session>;
  set(sid: string, session: Session): Promise<unknown>;
  touch(sid: string, session: Session): Promise<unknown>;
  destroy(sid: string): Promise<unknown>;
  clear(): Promise<unknown>;
  length(): Promise<number>;
  ids(): Promise<string[]>;
  all(): Promise<Session[]>;
}

let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(stopAllRedis);

const ttlOf = async (key: string) => Number(await server.cli('TTL', key));
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function lifecycle(store: LifecycleStore): Promise<void> {
  await store.clear();

  const plain = { foo: 'bar' };
  await store.set('123', plain);
  expect(await store.get('123')).toEqual(plain);
  // No cookie expiry: the default TTL, one day.
  expect(await ttlOf('sess:123')).toBeGreaterThanOrEqual(86_399);

  const expires = inSeconds(60);
  await store.set('456', { cookie: { expires } });
  const fromCookie = await ttlOf('sess:456');
  expect(fromCookie).toBeLessThanOrEqual(60);
  expect(fromCookie).toBeGreaterThan(50);

  await store.touch('456', { cookie: { expires: inSeconds(90) } });
  expect(await ttlOf('sess:456')).toBeGreaterThan(60);

  expect(await store.length()).toBe(2);
  expect((await store.ids()).sort()).toEqual(['123', '456']);
  const all = (await store.all()).sort((a: Session, b: Session) => (a.id > b.id ? 1 : -1));
  expect(all).toEqual([
    { id: '123', foo: 'bar' },
    { id: '456', cookie: { expires } },
  ]);

  await store.destroy('456');
  expect(await store.get('456')).toBeNull();
  expect(await store.length()).toBe(1);

  await store.clear();
  expect(await store.length()).toBe(0);
  expect(await server.cli('EXISTS', 'sess:123')).toBe('0');

  // 1,000 sessions, each with an express-session Cookie (a minute left, so a loaded machine cannot expire them).
  const count = 1000;
  const cookie = new Cookie();
  for (let i = 0; i < count; i++) {
    cookie.expires = new Date(Date.now() + 60_000);
    await store.set(`s${i}`, { cookie });
  }
  expect(await store.length()).toBe(count);
  const ids = await store.ids();
  expect(new Set(ids).size).toBe(count);
  expect((await store.all()).length).toBe(count);
  await store.clear();
  expect(await store.length()).toBe(0);

  // A cookie that has already expired removes the session, through set and through touch.
  await store.set('789', { cookie: { expires: inSeconds(90) } });
  expect(await store.length()).toBe(1);
  await store.set('789', { cookie: { expires: inSeconds(-90) } });
  expect(await store.length()).toBe(0);
  expect(await store.get('789')).toBeNull();
  await store.set('790', { cookie: { expires: inSeconds(90) } });
  await store.touch('790', { cookie: { expires: inSeconds(-90) } });
  expect(await server.cli('EXISTS', 'sess:790')).toBe('0');
}

describe('session store lifecycle', () => {
  it('rr.sessions passes every step', async () => {
    const rr = init({ redis: server.url, ...STEADY, tracing: false });
    try {
      await ready(rr);
      await lifecycle(rr.sessions);
      expect(rr.sessions.pendingWriteBacks).toBe(0);
    } finally {
      await rr.close();
    }
  });

  it('connect-redis passes the same steps (the reference the steps describe)', async () => {
    const client = new Redis(server.url);
    try {
      await lifecycle(new RedisStore({ client }) as unknown as LifecycleStore);
    } finally {
      client.disconnect();
    }
  });
});
