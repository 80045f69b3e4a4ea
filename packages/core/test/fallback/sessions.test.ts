/** The session store in a real express 5 + express-session app, over real HTTP on loopback, across real outages. */
import type { AddressInfo } from 'node:net';
import { type RedisProcess, startFaultProxy, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import express from 'express';
import session from 'express-session';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/fallback/sessions.js';
import { init, type RedisResilience } from '../../src/index.js';
import { createSessionStoreWith as createSessionStore } from './build.js';
import { FAST, fallbackRecorder, ready } from './helpers.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
    visits?: number;
  }
}

afterAll(stopAllRedis);

/** An app with login (regenerating the session, as login handlers should), whoami and logout. */
async function startApp(store: SessionStore) {
  const app = express();
  app.use(
    session({
      store,
      secret: 'test-secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 3_600_000 },
    }),
  );
  app.post('/login/:user', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = req.params.user;
      res.json({ sid: req.sessionID });
    });
  });
  app.get('/me', (req, res) => {
    if (!req.session.user) return void res.status(401).json({ user: null });
    res.json({ user: req.session.user, sid: req.sessionID });
  });
  app.post('/visit', (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.json({ visits: req.session.visits });
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const login = async (user: string) => {
    const res = await fetch(`${base}/login/${user}`, { method: 'POST' });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const { sid } = (await res.json()) as { sid: string };
    return { cookie, sid };
  };
  const me = async (cookie: string) => {
    const started = performance.now();
    const res = await fetch(`${base}/me`, { headers: { cookie } });
    return { status: res.status, body: (await res.json()) as { user: string | null }, ms: performance.now() - started };
  };
  const post = async (path: string, cookie: string) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { cookie } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { login, me, post, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function setup(url: string) {
  const rec = fallbackRecorder();
  const rr: RedisResilience = init({ redis: url, ...FAST }, { instrumentation: rec.instrumentation });
  const store = createSessionStore(
    { client: rr.client, instrumentation: rec.instrumentation },
    { writeBackIntervalMs: 100 },
  );
  await ready(rr);
  return { rec, rr, store };
}

describe('sessions', () => {
  it('keeps users logged in across a Redis kill and restart; outage sessions reach Redis afterwards', async () => {
    const server: RedisProcess = await startRedis();
    const { rec, rr, store } = await setup(server.url);
    const app = await startApp(store);
    try {
      const alice = await app.login('alice');
      expect((await app.me(alice.cookie)).body.user).toBe('alice');
      expect(JSON.parse(await server.cli('GET', `sess:${alice.sid}`)).user).toBe('alice');
      const ttl = Number(await server.cli('TTL', `sess:${alice.sid}`));
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);

      await server.kill();
      // Alice stays logged in: every request answered, none waiting past the client's deadline.
      const during = [];
      for (let i = 0; i < 20; i++) during.push(await app.me(alice.cookie));
      expect(during.map((r) => r.body.user)).toEqual(Array(20).fill('alice'));
      expect(Math.max(...during.map((r) => r.ms))).toBeLessThan(rr.options.retry.deadlineMs + 200);

      // Bob logs in during the outage and stays logged in.
      const bob = await app.login('bob');
      expect((await app.me(bob.cookie)).body.user).toBe('bob');
      expect(store.pendingWriteBacks).toBeGreaterThanOrEqual(2); // bob, and alice's touched session

      // The outage is visible: span events on the session calls, and metric hook calls.
      const sessionFallbacks = rec.calls.filter((c) => c.operation.startsWith('session.') && c.fallbacks.length);
      expect(sessionFallbacks.length).toBeGreaterThan(0);
      expect(sessionFallbacks.every((c) => c.fallbacks[0]!.type === 'session_store')).toBe(true);
      expect(rec.fallbacks.filter((f) => f.type === 'session_store' && f.served).length).toBeGreaterThanOrEqual(
        sessionFallbacks.filter((c) => c.fallbacks[0]!.served).length,
      );

      // Redis comes back empty (no persistence): the write-back restores both sessions.
      await server.restart();
      await waitFor(
        async () => (await server.cli('GET', `sess:${bob.sid}`)) && (await server.cli('GET', `sess:${alice.sid}`)),
        { timeoutMs: 10_000, message: 'outage sessions written back to Redis' },
      );
      expect(JSON.parse(await server.cli('GET', `sess:${bob.sid}`)).user).toBe('bob');
      expect(JSON.parse(await server.cli('GET', `sess:${alice.sid}`)).user).toBe('alice');
      expect(Number(await server.cli('TTL', `sess:${bob.sid}`))).toBeGreaterThan(3500);
      expect(store.pendingWriteBacks).toBe(0);

      // Served from Redis again.
      const gets = rec.of('session.get').length;
      expect((await app.me(alice.cookie)).body.user).toBe('alice');
      expect((await app.me(bob.cookie)).body.user).toBe('bob');
      expect(
        rec
          .of('session.get')
          .slice(gets)
          .map((c) => c.outcome),
      ).toEqual(['success', 'success']);
    } finally {
      await app.close();
      store.close();
      await rr.close();
    }
  });

  it('changes and logouts made during an outage win over what Redis held, once it is reachable again', async () => {
    const server = await startRedis();
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    const { rec, rr, store } = await setup(proxy.url);
    const app = await startApp(store);
    try {
      const carol = await app.login('carol');
      const dave = await app.login('dave');
      expect((await app.post('/visit', dave.cookie)).body.visits).toBe(1);

      await proxy.setMode('reset'); // Redis keeps its data; this instance just cannot reach it
      expect((await app.post('/logout', carol.cookie)).status).toBe(200);
      expect((await app.me(carol.cookie)).status).toBe(401);
      expect((await app.post('/visit', dave.cookie)).body.visits).toBe(2);
      expect((await app.post('/visit', dave.cookie)).body.visits).toBe(3);
      expect(await server.cli('EXISTS', `sess:${carol.sid}`)).toBe('1');
      expect(rec.fallbacks.some((f) => f.type === 'session_store')).toBe(true);

      await proxy.setMode('pass');
      await waitFor(async () => (await server.cli('EXISTS', `sess:${carol.sid}`)) === '0', {
        timeoutMs: 10_000,
        message: 'a logout during the outage deletes the session in Redis on recovery',
      });
      await waitFor(async () => JSON.parse(await server.cli('GET', `sess:${dave.sid}`)).visits === 3, {
        timeoutMs: 10_000,
        message: 'a change during the outage is written back',
      });
      expect((await app.me(carol.cookie)).status).toBe(401);
      expect((await app.post('/visit', dave.cookie)).body.visits).toBe(4);
      expect(store.pendingWriteBacks).toBe(0);
    } finally {
      await app.close();
      store.close();
      await rr.close();
      await proxy.close();
    }
  });

  it('a corrupt stored session reads as no session, not a 500', async () => {
    const server = await startRedis();
    const { rr, store } = await setup(server.url);
    const app = await startApp(store);
    try {
      const erin = await app.login('erin');
      await server.cli('SET', `sess:${erin.sid}`, '{broken');
      expect((await app.me(erin.cookie)).status).toBe(401);
    } finally {
      await app.close();
      store.close();
      await rr.close();
    }
  });

  it('options are validated', async () => {
    const rec = fallbackRecorder();
    const rr = init({ redis: 'redis://127.0.0.1:1', ...FAST, breaker: { enabled: false } });
    try {
      const deps = { client: rr.client, instrumentation: rec.instrumentation };
      expect(() => createSessionStore(deps, { maxFallbackEntries: 0 })).toThrow(
        'fallbacks.sessions.maxFallbackEntries',
      );
      expect(() => createSessionStore(deps, { ttlSeconds: 1.5 })).toThrow('fallbacks.sessions.ttlSeconds');
    } finally {
      await rr.close();
    }
  });
});
