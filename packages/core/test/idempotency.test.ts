/** Retries never apply a non-idempotent write twice, and safe commands are retried through real faults. */
import { startFaultProxy, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init, isCommandTimeoutError } from '../src/index.js';
import { recordingInstrumentation, settle } from './helpers.js';

afterAll(stopAllRedis);

describe('idempotency-aware retry', () => {
  it('INCR that times out after it was sent is applied exactly once and not retried', async () => {
    const server = await startRedis();
    const proxy = await startFaultProxy(server);
    const rec = recordingInstrumentation();
    const rr = init(
      {
        redis: proxy.url,
        retry: { maxAttempts: 5, baseDelayMs: 10, deadlineMs: 5000 },
        timeouts: { commandMs: 200 },
      },
      { instrumentation: rec.instrumentation },
    );
    try {
      await rr.client.set('counter', '0');
      // The command reaches Redis and runs; only its reply is late.
      await proxy.setMode('delay', { delayMs: 600 });
      const { error } = await settle(rr.client.incr('counter'));
      expect(isCommandTimeoutError(error)).toBe(true);
      const incr = rec.calls.find((c) => c.operation === 'incr');
      expect(incr?.attempts).toHaveLength(1);
      expect(incr?.retries).toEqual([]);
      await proxy.setMode('pass');
      expect(await server.cli('GET', 'counter')).toBe('1');
      await waitFor(async () => (await rr.client.get('counter').catch(() => null)) === '1', { timeoutMs: 10_000 });
    } finally {
      await rr.close();
      await proxy.close();
    }
  });

  it('GET that times out after it was sent is retried (reads are safe)', async () => {
    const server = await startRedis();
    const proxy = await startFaultProxy(server);
    const rec = recordingInstrumentation();
    const rr = init(
      {
        redis: proxy.url,
        retry: { maxAttempts: 2, baseDelayMs: 10, deadlineMs: 5000 },
        timeouts: { commandMs: 150, connectMs: 150 },
        breaker: { enabled: false },
      },
      { instrumentation: rec.instrumentation },
    );
    try {
      await rr.client.set('k', 'v');
      await proxy.setMode('delay', { delayMs: 400 });
      await settle(rr.client.get('k'));
      const get = rec.calls.find((c) => c.operation === 'get');
      expect(get?.attempts.map((a) => a.errorType)).toEqual(['timeout', expect.any(String)]);
      expect(get?.retries).toEqual([{ attempt: 1, delayMs: expect.any(Number), errorType: 'timeout' }]);
    } finally {
      await rr.close();
      await proxy.close();
    }
  });

  it('GET under a refused connection is retried and succeeds once Redis is reachable', async () => {
    const server = await startRedis();
    await server.cli('SET', 'k', 'v');
    const proxy = await startFaultProxy(server);
    await proxy.setMode('refuse');
    const rec = recordingInstrumentation();
    const rr = init(
      {
        redis: proxy.url,
        retry: { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 100, deadlineMs: 10_000 },
        queue: { maxWaitMs: 100 },
        breaker: { enabled: false },
      },
      { instrumentation: rec.instrumentation },
    );
    try {
      const pending = rr.client.get('k');
      // Let the first attempt fail on the refused connection, then let Redis through.
      await waitFor(() => rec.calls[0]?.retries.length);
      await proxy.setMode('pass');
      expect(await pending).toBe('v');
      expect(rec.calls[0]?.retries[0]?.errorType).toBe('refused');
    } finally {
      await rr.close();
      await proxy.close();
    }
  });

  it('INCR that was never sent (refused) is retried and applied once', async () => {
    const server = await startRedis();
    const proxy = await startFaultProxy(server);
    await proxy.setMode('refuse');
    const rec = recordingInstrumentation();
    const rr = init(
      {
        redis: proxy.url,
        retry: { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 100, deadlineMs: 10_000 },
        queue: { maxWaitMs: 100 },
        breaker: { enabled: false },
      },
      { instrumentation: rec.instrumentation },
    );
    try {
      const pending = rr.client.incr('n');
      await waitFor(() => rec.calls[0]?.retries.length);
      await proxy.setMode('pass');
      expect(await pending).toBe(1);
      expect(await server.cli('GET', 'n')).toBe('1');
    } finally {
      await rr.close();
      await proxy.close();
    }
  });
});
