/**
 * Issue #11, defect 6: a misconfiguration is not an outage to wait out. Once it is known, calls fail within 50 ms
 * with the right errorType, and health() says what is wrong. Each case is a real server or a real closed port.
 */
import { freePort, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, isInvalidOptionsError, isRedisUnavailableError, type ResilienceOptions } from '../src/index.js';
import { settle } from './helpers.js';

let server: Awaited<ReturnType<typeof startRedis>>;

beforeAll(async () => {
  server = await startRedis({ password: 'right-password' });
});
afterAll(stopAllRedis);

/** Timings of `n` calls, after the condition is known; the 90th percentile survives a GC pause on a busy machine. */
async function failFast(
  options: ResilienceOptions,
  errorType: string,
  problem: RegExp,
  code = 'ERR_REDIS_UNAVAILABLE',
) {
  const rr = init({ ...options, tracing: false, metrics: false });
  try {
    await waitFor(async () => (await rr.health()).connection.lastErrorType === errorType || errorType === 'closed', {
      timeoutMs: 15_000,
      message: `the client to learn ${errorType}`,
    });
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { error, ms: took } = await settle(rr.client.get('k'));
      expect(isRedisUnavailableError(error)).toBe(true);
      // Once enough calls failed the breaker opens: it then rejects, saying why in its message and cause.
      if ((error as { code?: string }).code === 'ERR_CIRCUIT_OPEN') {
        expect(error).toMatchObject({ lastErrorType: errorType, cause: { errorType } });
        expect((error as Error).message).toContain(`after ${errorType} failures`);
      } else {
        expect(error).toMatchObject({ code, errorType });
      }
      ms.push(took);
    }
    ms.sort((a, b) => a - b);
    expect(ms[17]!).toBeLessThan(50);
    const health = await rr.health();
    expect(health.status).not.toBe('ok');
    expect(health.connection.problem).toMatch(problem);
  } finally {
    await rr.close();
  }
}

describe('misconfigurations fail fast', () => {
  it('a wrong password: auth', async () => {
    await failFast({ redis: `redis://:wrong-password@127.0.0.1:${server.port}` }, 'auth', /credentials/);
  });

  it('rediss:// to a plain-text port: tls', async () => {
    await failFast({ redis: `rediss://127.0.0.1:${server.port}`, timeouts: { connectMs: 500 } }, 'tls', /TLS/);
  });

  it('a unix socket that does not exist: refused', async () => {
    await failFast({ redis: { path: `/tmp/redis-resilience-missing-${process.pid}.sock` } }, 'refused', /unix socket/);
  });

  it('a Cluster whose seeds are unreachable: clusterdown', async () => {
    const port = await freePort();
    await failFast({ redis: { cluster: [{ host: '127.0.0.1', port }] } }, 'clusterdown', /cluster/);
  });

  it('a Cluster whose seed is not a cluster: clusterdown', async () => {
    const redis = {
      cluster: [{ host: '127.0.0.1', port: server.port }],
      options: { redisOptions: { password: 'right-password' } },
    };
    await failFast({ redis }, 'clusterdown', /not a cluster/);
  });

  it('an instance the app already closed: closed, at once', async () => {
    const mine = new Redis({ port: server.port, password: 'right-password' });
    await mine.quit();
    await failFast({ redis: mine }, 'closed', /ended/, 'ERR_CLIENT_CLOSED');
  });

  it('while Redis is reachable and then goes down, calls are still retried: an outage is not a misconfiguration', async () => {
    const outage = await startRedis();
    const rr = init({ redis: outage.url, tracing: false, metrics: false, breaker: { enabled: false } });
    try {
      await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG');
      await outage.kill();
      await waitFor(async () => (await rr.health()).connection.lastErrorType === 'refused');
      const { error } = await settle(rr.client.get('k'));
      expect(error).toMatchObject({ code: 'ERR_RETRIES_EXHAUSTED', errorType: 'refused', attempts: 3 });
    } finally {
      await rr.close();
    }
  });
});

describe('ports are validated at init', () => {
  it.each([70_000, -1, 0, 'abc', 1.5])('redis.port %s is rejected, naming the field', (port) => {
    let thrown: unknown;
    try {
      init({ redis: { host: '127.0.0.1', port: port as number } });
    } catch (e) {
      thrown = e;
    }
    expect(isInvalidOptionsError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ field: 'redis.port' });
    expect((thrown as Error).message).toMatch(/redis\.port/);
  });

  it('a bad fallback option is rejected by the same schema, before anything connects', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPWRAP').length;
    expect(() => init({ redis: `redis://127.0.0.1:${server.port}`, fallbacks: { queue: { maxSpooled: 0 } } })).toThrow(
      'fallbacks.queue.maxSpooled: must be an integer from 1 to 2147483647 (got 0)',
    );
    expect(() => init({ fallbacks: { sessions: { ttl: 60, ttlSeconds: 60 } } })).toThrow(
      /fallbacks\.sessions\.ttlSeconds/,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPWRAP').length).toBe(before);
  });

  it('a URL with an impossible port is rejected, naming the field', () => {
    expect(() => init({ redis: 'redis://127.0.0.1:0' })).toThrow(/redis: must have a port from 1 to 65535/);
    expect(() => init({ redis: 'redis://127.0.0.1:65536' })).toThrow(/redis: must be a valid redis:\/\//);
  });
});
