/**
 * The example API on redis-resilience, over HTTP, while a real redis-server is up, killed, and back: products
 * keep coming from the database, logins survive, orders are accepted into the spool and replayed, and /healthz
 * says degraded (still 200) and then ok.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { percentile, type RedisProcess, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ExampleApp } from '../src/app.js';
import { Browser, baseUrl, sessionId } from './http.js';

let redis: RedisProcess;
let service: ExampleApp;
let server: Server;
let base: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'example-service-'));
const alice = () => new Browser(base);

beforeAll(async () => {
  // Persistence on, as a production Redis holding sessions would have: the restart must not be a data loss too.
  redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  service = createApp({
    mode: 'resilient',
    redisUrl: redis.url,
    spoolPath: path.join(dir, 'spool.db'),
    otlpEndpoint: undefined,
    // Recovery within the test's patience: probe half a second after opening instead of 5 s.
    resilience: { breaker: { resetTimeoutMs: 500 } },
  });
  server = await new Promise<Server>((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = baseUrl(server);
});

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  await service?.close();
  await stopAllRedis();
  rmSync(dir, { recursive: true, force: true });
});

async function placeOrders(n: number): Promise<Array<{ orderId: string; spooled: boolean }>> {
  const b = new Browser(base);
  const out: Array<{ orderId: string; spooled: boolean }> = [];
  for (let i = 0; i < n; i++) {
    const r = await b.post('/orders', { productId: 1 + i, quantity: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    out.push(r.body as { orderId: string; spooled: boolean });
  }
  return out;
}

async function streamOrderIds(): Promise<string[]> {
  // redis-cli prints each entry as its id, then field and value lines.
  const lines = (await redis.cli('XRANGE', 'orders', '-', '+')).split('\n');
  return lines.flatMap((line, i) => (line === 'order_id' ? [lines[i + 1] as string] : []));
}

describe('the example API through a Redis outage', () => {
  const user = { browser: undefined as unknown as Browser, sid: '' };
  const spooled: string[] = [];
  let late: Browser;

  it('serves products through the cache, logs in, takes orders and is ok while Redis is up', async () => {
    const b = new Browser(base);
    const first = await b.get('/products/7');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: 7, name: 'Product 7' });
    await waitFor(async () => (await redis.cli('EXISTS', 'product:7')) === '1', { message: 'product:7 to be cached' });
    const reads = service.db.reads;
    expect((await b.get('/products/7')).body).toEqual(first.body);
    expect(service.db.reads).toBe(reads); // a hit: the database was not asked again
    expect((await b.get('/products/99999')).status).toBe(404);
    expect((await b.get('/products/abc')).status).toBe(400);

    user.browser = alice();
    expect((await user.browser.post('/login', { user: 'alice' })).status).toBe(200);
    expect((await user.browser.post('/login', { user: 'mallory' })).status).toBe(401);
    user.sid = sessionId(user.browser.sessionCookie);
    expect((await user.browser.get('/whoami')).body).toEqual({ user: 'alice' });
    expect(await redis.cli('EXISTS', `sess:${user.sid}`)).toBe('1');

    const [order] = await placeOrders(1);
    expect(order?.spooled).toBe(false);
    expect(await streamOrderIds()).toContain(order?.orderId);

    const health = await b.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('redis_resilience_cache_requests_total');
  });

  it('keeps serving products, sessions and orders while Redis is killed, and reports degraded', async () => {
    await redis.kill();
    const b = new Browser(base);
    for (let id = 1; id <= 20; id++) {
      const r = await b.get(`/products/${id}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id, name: `Product ${id}` });
    }
    // Once the breaker is open nothing waits on Redis any more.
    await waitFor(async () => (await b.get('/healthz')).body.status === 'degraded', { message: 'degraded health' });
    const samples: number[] = [];
    for (let id = 1; id <= 20; id++) {
      const r = await b.get(`/products/${id}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id, name: `Product ${id}` });
      samples.push(r.ms);
    }
    expect(percentile(samples, 90)).toBeLessThan(100);

    const health = await b.get('/healthz');
    expect(health.status).toBe(200); // degraded still serves: it must not be taken out of rotation

    expect((await user.browser.get('/whoami')).body).toEqual({ user: 'alice' });
    late = new Browser(base);
    expect((await late.post('/login', { user: 'bob' })).status).toBe(200);
    expect((await late.get('/whoami')).body).toEqual({ user: 'bob' });

    for (const o of await placeOrders(5)) {
      expect(o.spooled).toBe(true);
      spooled.push(o.orderId);
    }
  });

  it('replays the spooled orders, writes back the sessions and reports ok once Redis is back', async () => {
    await redis.restart();
    const b = new Browser(base);
    await waitFor(async () => (await b.get('/healthz')).body.status === 'ok', {
      timeoutMs: 15_000,
      message: 'health ok after the restart',
    });
    expect(spooled).toHaveLength(5); // taken during the outage, by the test before
    let ids: string[] = [];
    await waitFor(
      async () => {
        ids = await streamOrderIds();
        return spooled.every((id) => ids.includes(id));
      },
      { timeoutMs: 15_000, message: 'every spooled order replayed into the stream' },
    );
    expect(new Set(ids).size).toBe(ids.length); // none twice
    expect(ids.slice(-spooled.length)).toEqual(spooled); // in the order they were accepted

    expect((await user.browser.get('/whoami')).body).toEqual({ user: 'alice' });
    expect((await late.get('/whoami')).body).toEqual({ user: 'bob' });
    const bobSid = sessionId(late.sessionCookie);
    await waitFor(async () => (await redis.cli('EXISTS', `sess:${bobSid}`)) === '1', {
      timeoutMs: 10_000,
      message: 'the session made during the outage written back to Redis',
    });

    expect((await b.get('/products/11')).status).toBe(200);
    await waitFor(async () => (await redis.cli('EXISTS', 'product:11')) === '1', { message: 'cache filled again' });
  });
});
