/**
 * Issue #11, defect 1: a connection lost while a pipeline or MULTI is in flight makes the operation a failure:
 * typed, counted against the breaker, recorded as `failure`, retried only when that is safe. Real redis-server,
 * real TCP resets through the fault proxy.
 */
import { type FaultProxy, startFaultProxy, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isRedisUnavailableError,
  type RedisResilience,
  type RedisUnavailableError,
  type ResilienceOptions,
} from '../src/index.js';
import { Opened, settle } from './helpers.js';
import { sample } from './telemetry/harness.js';

let server: Awaited<ReturnType<typeof startRedis>>;
let proxy: FaultProxy;
const opened = new Opened();

beforeAll(async () => {
  server = await startRedis();
  proxy = await startFaultProxy({ host: server.host, port: server.port });
});
afterEach(async () => {
  await opened.closeAll();
  await proxy.setMode('pass');
});
afterAll(async () => {
  await proxy.close();
  await stopAllRedis();
});

function open(extra: ResilienceOptions = {}) {
  return opened.init({
    redis: proxy.url,
    serviceName: 'pipes',
    tracing: false,
    timeouts: { connectMs: 500, commandMs: 2000 },
    retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 100, deadlineMs: 4000 },
    breaker: { volumeThreshold: 1000 },
    ...extra,
  });
}

async function ready(rr: RedisResilience): Promise<void> {
  await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG', { timeoutMs: 10_000 });
}

/** Cut every connection while the replies are held back, so the batch is in flight when the connection dies. */
async function cutMidFlight<T>(exec: () => Promise<T>): Promise<{ p: Promise<T> }> {
  await proxy.setMode('delay', { delayMs: 400 });
  const p = exec();
  p.catch(() => {}); // observed by the caller
  // The batch reached Redis (its first entry ran) and its replies are held back: now cut the connection.
  await waitFor(async () => (await server.cli('GET', 'sent')) === '1', { timeoutMs: 5000 });
  await proxy.setMode('reset');
  await proxy.setMode('pass');
  return { p };
}

const count = (text: string, op: string, outcome: string) =>
  sample(
    text,
    `redis_resilience_operation_duration_seconds_count{client="pipes",operation="${op}",outcome="${outcome}"}`,
  ) ?? 0;

describe('pipelines and MULTI when the connection drops mid-flight', () => {
  it('a pipeline of retry-safe commands is retried like a single command and succeeds', async () => {
    const rr = open();
    await ready(rr);
    await server.cli('MSET', 'pa', '1', 'pb', '2');
    await server.cli('DEL', 'sent');
    const { p } = await cutMidFlight(() => rr.client.pipeline().set('sent', '1').get('pa').get('pb').exec());
    const results = await p;
    expect(results).toEqual([
      [null, 'OK'],
      [null, '1'],
      [null, '2'],
    ]);
    const text = await rr.metrics();
    expect(count(text, 'pipeline', 'success')).toBe(1);
    expect(sample(text, 'redis_resilience_retry_calls_total{client="pipes",kind="success_with_retry"}')).toBe(1);
  });

  it('a pipeline with a non-idempotent write rejects typed, keeps every entry, and counts a failure', async () => {
    const rr = open();
    await ready(rr);
    await server.cli('DEL', 'counter', 'sent');
    const { p } = await cutMidFlight(() => rr.client.pipeline().set('sent', '1').incr('counter').get('counter').exec());
    const { value, error } = await settle(p);
    expect(value).toBeUndefined();
    expect(isRedisUnavailableError(error)).toBe(true);
    const e = error as RedisUnavailableError;
    expect(e.operation).toBe('pipeline');
    expect(['reset', 'closed', 'max_retries']).toContain(e.errorType);
    expect(e.results).toHaveLength(3);
    for (const [entryError] of e.results ?? []) {
      // Every entry lost to the connection is a typed error; none passes for a success.
      expect(entryError === null || isRedisUnavailableError(entryError)).toBe(true);
    }
    expect(e.results?.some(([entryError]) => entryError !== null)).toBe(true);
    // Sent once, never repeated: the INCR that may have run ran at most once.
    expect(Number(await server.cli('GET', 'counter'))).toBeLessThanOrEqual(1);
    const text = await rr.metrics();
    expect(count(text, 'pipeline', 'failure')).toBe(1);
    expect(count(text, 'pipeline', 'success')).toBe(0);
  });

  it('a MULTI cut mid-flight rejects typed and is not retried', async () => {
    const rr = open();
    await ready(rr);
    await server.cli('DEL', 'tx', 'sent');
    const { p } = await cutMidFlight(() => rr.client.multi().set('sent', '1').incr('tx').exec());
    const { error } = await settle(p);
    expect(isRedisUnavailableError(error)).toBe(true);
    expect((error as RedisUnavailableError).operation).toBe('multi');
    expect(Number(await server.cli('GET', 'tx'))).toBeLessThanOrEqual(1);
    expect(count(await rr.metrics(), 'multi', 'failure')).toBe(1);
  });

  it('failed pipelines count against the breaker, which then fails the next calls fast', async () => {
    // The PINGs that wait for the connection count as successes (3 of them): 2 failed pipelines of 5 calls is 40 %.
    const rr = open({ breaker: { volumeThreshold: 2, errorThresholdPercentage: 30, resetTimeoutMs: 60_000 } });
    await ready(rr);
    for (let i = 0; i < 2; i++) {
      await ready(rr); // each cut on an established connection, not on one still reconnecting from the last
      await server.cli('DEL', 'sent');
      const { p } = await cutMidFlight(() => rr.client.pipeline().set('sent', '1').incr('n').exec());
      await settle(p);
    }
    expect((await rr.health()).breaker.state).toBe('open');
    const { error } = await settle(rr.client.pipeline().get('pa').exec());
    expect(error).toMatchObject({ code: 'ERR_CIRCUIT_OPEN' });
  });

  it('a pipeline that provably never reached Redis is retried even with a non-idempotent write, and runs once', async () => {
    // Enough attempts to outlast the reconnect (its delay is capped at 500 ms).
    const rr = open({ retry: { maxAttempts: 20, baseDelayMs: 50, maxDelayMs: 200, deadlineMs: 4000 } });
    await ready(rr);
    await server.cli('DEL', 'once');
    await proxy.setMode('refuse');
    await waitFor(async () => (await rr.health()).connection.status !== 'ready');
    const p = rr.client.pipeline().incr('once').exec();
    setTimeout(() => void proxy.setMode('pass'), 150);
    expect(await p).toEqual([[null, 1]]);
    expect(await server.cli('GET', 'once')).toBe('1');
  });

  it('a command error inside a pipeline stays in its entry, as ioredis reports it, and is not a failure', async () => {
    const rr = open();
    await ready(rr);
    await server.cli('SET', 'str', 'x');
    const results = (await rr.client.pipeline().lpush('str', 'a').get('str').exec()) as [Error | null, unknown][];
    expect(results[0]?.[0]?.message).toMatch(/^WRONGTYPE/);
    expect(results[1]).toEqual([null, 'x']);
    expect(count(await rr.metrics(), 'pipeline', 'success')).toBe(1);
  });
});
