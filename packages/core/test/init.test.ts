/** The init() contract: inputs it accepts, the first-connection wait, batches, blocking commands and close(). */
import { freePort, percentile, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, isCircuitOpenError, isInvalidOptionsError, isRedisUnavailableError } from '../src/index.js';
import { Opened, settle } from './helpers.js';

let server: Awaited<ReturnType<typeof startRedis>>;
const opened = new Opened();
const open = opened.init;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await opened.closeAll();
  await stopAllRedis();
});

describe('init', () => {
  it('accepts a URL, and commands issued right after init wait for the first connection', async () => {
    const rr = open({ redis: server.url });
    expect(rr.client.status).not.toBe('ready');
    expect(await rr.client.set('a', '1')).toBe('OK');
    expect(await rr.client.get('a')).toBe('1');
    expect((await rr.health()).status).toBe('ok');
  });

  it('accepts ioredis options', async () => {
    const rr = open({ redis: { host: '127.0.0.1', port: server.port, db: 2 } });
    await rr.client.set('db2', 'x');
    expect(await server.cli('-n', '2', 'GET', 'db2')).toBe('x');
  });

  it('accepts an existing ioredis instance and does not close it', async () => {
    const mine = new Redis(server.url);
    const rr = init({ redis: mine });
    expect(await rr.client.hset('h', { f: 'v' })).toBe(1);
    expect(await rr.client.hgetall('h')).toEqual({ f: 'v' });
    await rr.close();
    expect(await mine.ping()).toBe('PONG');
    mine.disconnect();
  });

  it('the first-connection wait is bounded', async () => {
    const port = await freePort();
    const rr = open({ redis: `redis://127.0.0.1:${port}`, queue: { maxWaitMs: 100 }, retry: { maxAttempts: 1 } });
    const { error, ms } = await settle(rr.client.get('k'));
    expect(isRedisUnavailableError(error)).toBe(true);
    expect(ms).toBeLessThan(1000);
  });

  it('rejects bad options at init, naming the field and the accepted range', () => {
    let error: unknown;
    try {
      init({ redis: server.url, timeouts: { commandMs: -5 } });
    } catch (e) {
      error = e;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toMatch(/timeouts\.commandMs: must be an integer from 1 to 600000 \(got -5\)/);
    expect(() => init({ breaker: { errorThresholdPercentage: 150 } })).toThrow(/breaker\.errorThresholdPercentage/);
    expect(() => init({ queue: { maxOffline: 1.5 } })).toThrow(/queue\.maxOffline/);
  });

  it('supports node-style callbacks and Buffer variants', async () => {
    const rr = open({ redis: server.url });
    await rr.client.set('buf', 'bytes');
    expect(await rr.client.getBuffer('buf')).toEqual(Buffer.from('bytes'));
    const viaCallback = await new Promise((resolve, reject) => {
      rr.client.get('buf', (err, v) => (err ? reject(err) : resolve(v)));
    });
    expect(viaCallback).toBe('bytes');
  });
});

describe('batches', () => {
  it('pipeline and multi return ioredis results, and are rejected as one operation while the breaker is open', async () => {
    const s = await startRedis();
    const rr = open({ redis: s.url, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } });
    expect(await rr.client.pipeline().set('x', '1').incr('x').get('x').exec()).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    expect(await rr.client.multi().incr('x').incr('x').exec()).toEqual([
      [null, 3],
      [null, 4],
    ]);
    await s.kill();
    for (let i = 0; i < 20 && (await rr.health()).breaker.state !== 'open'; i++) {
      await rr.client.get('x').catch(() => {});
    }
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { error, ms } = await settle(rr.client.pipeline().get('x').get('y').exec());
      expect(isCircuitOpenError(error), String(error)).toBe(true);
      expect((error as { operation: string }).operation).toBe('pipeline');
      samples.push(ms);
    }
    expect(percentile(samples, 90)).toBeLessThan(50);
  });
});

describe('blocking commands', () => {
  it('BLPOP is not cut by the command timeout', async () => {
    const rr = open({ redis: server.url, timeouts: { commandMs: 50 } });
    const other = new Redis(server.url);
    try {
      const pending = rr.client.blpop('jobs', 2);
      await new Promise((r) => setTimeout(r, 300));
      await other.rpush('jobs', 'j1');
      expect(await pending).toEqual(['jobs', 'j1']);
    } finally {
      other.disconnect();
    }
  });
});

describe('close', () => {
  it('is idempotent, and later calls reject with a typed error', async () => {
    const rr = init({ redis: server.url });
    await rr.client.ping();
    await Promise.all([rr.close(), rr.close()]);
    await rr.close();
    const { error } = await settle(rr.client.get('k'));
    expect((error as { code: string }).code).toBe('ERR_CLIENT_CLOSED');
    expect((await rr.health()).status).toBe('down');
  });
});
