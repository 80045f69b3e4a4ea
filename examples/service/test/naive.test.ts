/**
 * The demo's baseline (CLIENT_MODE=naive: ioredis defaults with try/catch) is a working API while Redis is up, and its
 * requests hang, rather than fail, once Redis is killed: the behaviour the demo puts side by side.
 */
import type { Server } from 'node:http';
import { type RedisProcess, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type ExampleApp } from '../src/app.js';
import { Browser, baseUrl } from './http.js';

let redis: RedisProcess;
let service: ExampleApp;
let server: Server;
let base: string;

beforeAll(async () => {
  redis = await startRedis();
  service = createApp({ mode: 'naive', redisUrl: redis.url });
  server = await new Promise<Server>((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = baseUrl(server);
});

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await service?.close();
  await stopAllRedis();
});

it('serves products, sessions, orders and health while Redis is up', async () => {
  const b = new Browser(base);
  expect((await b.get('/products/5')).body).toMatchObject({ id: 5, name: 'Product 5' });
  expect((await b.post('/login', { user: 'carol' })).status).toBe(200);
  expect((await b.get('/whoami')).body).toEqual({ user: 'carol' });
  const order = await b.post('/orders', { productId: 5 });
  expect(order.status).toBe(202);
  expect(order.body.spooled).toBe(false);
  expect(await redis.cli('XLEN', 'orders')).toBe('1');
  expect((await b.get('/healthz')).body).toEqual({ status: 'ok' });
});

it('leaves a product read hanging once Redis is killed (ioredis queues it and waits)', async () => {
  await redis.kill();
  const started = performance.now();
  const outcome = await fetch(`${base}/products/6`, { signal: AbortSignal.timeout(1500) }).then(
    (r) => `HTTP ${r.status}`,
    (err: Error) => err.name,
  );
  expect(outcome).toBe('TimeoutError');
  expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
});
