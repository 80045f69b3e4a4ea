/** Command errors are the caller's bug, not Redis's outage: they pass through untouched and never trip the breaker. */
import { startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, isRedisResilienceError, type RedisResilience } from '../src/index.js';
import { recordingInstrumentation } from './helpers.js';

let server: Awaited<ReturnType<typeof startRedis>>;
let rr: RedisResilience;
const rec = recordingInstrumentation();

beforeAll(async () => {
  server = await startRedis();
  // A low volume threshold: if command errors counted, 100 of them would open the breaker at once.
  rr = init({ redis: server.url, breaker: { volumeThreshold: 2 } }, { instrumentation: rec.instrumentation });
});
afterAll(async () => {
  await rr.close();
  await stopAllRedis();
});

describe('command errors', () => {
  it('WRONGTYPE passes through as ioredis raised it, is not retried, and leaves the breaker closed after 100', async () => {
    await rr.client.set('str', 'v');
    await server.cli('CONFIG', 'RESETSTAT');
    for (let i = 0; i < 100; i++) {
      const err = await rr.client.lpush('str', 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReplyError);
      expect(isRedisResilienceError(err)).toBe(false);
      expect((err as Error).message).toMatch(/^WRONGTYPE/);
    }
    // The server saw each LPUSH exactly once: nothing was retried.
    expect(await server.cli('INFO', 'commandstats')).toMatch(/cmdstat_lpush:calls=100,/);
    expect((await rr.health()).breaker.state).toBe('closed');
    expect(rec.transitions).toEqual([]);
    // One recorded call per LPUSH, each a command error on its only attempt.
    const lpushes = rec.calls.filter((c) => c.operation === 'lpush');
    expect(lpushes.map((c) => `${c.outcome} after ${c.attempts.length}`)).toEqual(
      Array.from({ length: 100 }, () => 'command_error after 1'),
    );
  });

  it('ERR syntax and NOSCRIPT pass through unchanged', async () => {
    await expect(rr.client.call('set', 'a')).rejects.toThrow(/ERR wrong number of arguments/);
    await expect(rr.client.evalsha('0'.repeat(40), 0)).rejects.toThrow(/^NOSCRIPT/);
    expect((await rr.health()).breaker.state).toBe('closed');
  });

  it('an error inside a pipeline is a per-command result, not a failure of the pipeline', async () => {
    const results = await rr.client.pipeline().set('p1', '1').lpush('p1', 'x').get('p1').exec();
    expect(results?.[0]).toEqual([null, 'OK']);
    expect(results?.[1]?.[0]).toBeInstanceOf(ReplyError);
    expect(results?.[2]).toEqual([null, '1']);
    expect(rec.calls.at(-1)).toMatchObject({ operation: 'pipeline', outcome: 'success' });
  });

  it('an aborted MULTI (EXECABORT) is a command error', async () => {
    const err = await rr.client
      .multi()
      .set('m', '1')
      .call('nosuchcommand')
      .exec()
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/EXECABORT/);
    expect(rec.calls.at(-1)).toMatchObject({ operation: 'multi', outcome: 'command_error' });
  });
});
