/** Each of the seed's connection symptoms, produced by a real fault, reaches the caller correctly classified. */
import { freePort, startFaultProxy, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init, isRedisUnavailableError, type RedisUnavailableError } from '../src/index.js';
import { recordingInstrumentation, settle } from './helpers.js';

const fast = {
  retry: { maxAttempts: 1 },
  breaker: { enabled: false },
  timeouts: { connectMs: 300, commandMs: 300 },
  queue: { maxWaitMs: 400 },
} as const;

afterAll(stopAllRedis);

async function expectUnavailable(p: Promise<unknown>, errorType: string): Promise<RedisUnavailableError> {
  const { error } = await settle(p);
  expect(isRedisUnavailableError(error), String(error)).toBe(true);
  const e = error as RedisUnavailableError;
  expect(e.errorType).toBe(errorType);
  return e;
}

describe('connection symptoms', () => {
  it('a closed port is "refused", and the command was never sent', async () => {
    const port = await freePort();
    const rec = recordingInstrumentation();
    const rr = init({ ...fast, redis: `redis://127.0.0.1:${port}` }, { instrumentation: rec.instrumentation });
    try {
      await waitFor(() => rec.connectionErrors.includes('refused'));
      const e = await expectUnavailable(rr.client.get('k'), 'refused');
      expect(e.sent).toBe(false);
      expect((await rr.health()).status).toBe('degraded');
    } finally {
      await rr.close();
    }
  });

  it('a server that accepts and never answers (SIGSTOP) is "timeout", for a live and for a new connection', async () => {
    const server = await startRedis();
    const rr = init({ ...fast, redis: server.url });
    try {
      expect(await rr.client.set('k', 'v')).toBe('OK');
      server.pause();
      const e = await expectUnavailable(rr.client.get('k'), 'timeout');
      expect(e.code).toBe('ERR_COMMAND_TIMEOUT');
      // The PING watchdog drops the silent connection; the reconnect's handshake is bounded too.
      await waitFor(async () => (await rr.health()).connection.status !== 'ready');
      const again = await expectUnavailable(rr.client.get('k'), 'timeout');
      expect(again.sent).toBe(false);
      server.resume();
      await waitFor(async () => (await rr.client.get('k').catch(() => undefined)) === 'v', { timeoutMs: 10_000 });
    } finally {
      server.resume();
      await rr.close();
    }
  });

  it('a peer that resets connections is "reset"', async () => {
    const server = await startRedis();
    const proxy = await startFaultProxy(server);
    const rec = recordingInstrumentation();
    const rr = init({ ...fast, redis: proxy.url }, { instrumentation: rec.instrumentation });
    try {
      expect(await rr.client.ping()).toBe('PONG');
      await proxy.setMode('reset');
      await waitFor(() => rec.connectionErrors.includes('reset'));
      await expectUnavailable(rr.client.get('k'), 'reset');
      await proxy.setMode('pass');
      await waitFor(async () => (await rr.client.ping().catch(() => undefined)) === 'PONG', { timeoutMs: 10_000 });
    } finally {
      await rr.close();
      await proxy.close();
    }
  });

  it('an unresolvable host name is "dns"', async () => {
    const rec = recordingInstrumentation();
    const rr = init({ ...fast, redis: 'redis://no-such-host.invalid:6379' }, { instrumentation: rec.instrumentation });
    try {
      await waitFor(() => rec.connectionErrors.includes('dns'), { timeoutMs: 15_000 });
      await expectUnavailable(rr.client.get('k'), 'dns');
    } finally {
      await rr.close();
    }
  });
});
