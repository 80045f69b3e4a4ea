/**
 * Write coalescing (`pool.coalesceWritesAt`), against a real redis-server: once a connection has that many commands
 * awaiting replies, the rest of the tick's commands reach the socket in one write, in order; below it each is
 * written at once; a connection lost or closed while writes are held fails those calls, typed, and applies nothing
 * twice.
 */
import type { Socket } from 'node:net';
import { startRedis, stopAllRedis } from '@redis-resilience/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientClosedError, isRedisUnavailableError, type RedisResilience } from '../src/index.js';
import { Opened, recordingInstrumentation } from './helpers.js';

let server: Awaited<ReturnType<typeof startRedis>>;
const opened = new Opened();

beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await opened.closeAll();
});
afterAll(async () => {
  await stopAllRedis();
});

/** Counts the writes that reach the socket (each one a syscall): `_write` for one chunk, `_writev` for many. */
function countWrites(rr: RedisResilience): { readonly count: number } {
  const socket = (rr.client.raw as Redis).stream as Socket & Record<'_write' | '_writev', (...a: unknown[]) => void>;
  const counter = { count: 0 };
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name].bind(socket);
    socket[name] = (...a: unknown[]) => {
      counter.count++;
      original(...a);
    };
  }
  return counter;
}

async function ready(
  coalesceWritesAt: number | false,
  internals?: Parameters<typeof opened.init>[1],
): Promise<RedisResilience> {
  const rr = opened.init({ redis: server.url, pool: { coalesceWritesAt } }, internals);
  await rr.client.del('counter');
  return rr;
}

const ones = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('write coalescing', () => {
  it('under backlog, the rest of the tick goes out in one write, in the order issued', async () => {
    const rr = await ready(16);
    const writes = countWrites(rr);
    const replies = Promise.all(ones(200).map(() => rr.client.incr('counter')));
    // The first 16 were written at once; the other 184 wait for the end of the tick.
    expect(writes.count).toBe(16);
    // INCR's replies count up in the order the commands reached Redis.
    expect(await replies).toEqual(ones(200));
    expect(writes.count).toBe(17);
  });

  it('off, or below the threshold, every command is written at once', async () => {
    const off = await ready(false);
    const offWrites = countWrites(off);
    const offReplies = Promise.all(ones(200).map(() => off.client.incr('counter')));
    expect(offWrites.count).toBe(200);
    expect(await offReplies).toEqual(ones(200));

    const light = await ready(16);
    const lightWrites = countWrites(light);
    const lightReplies = Promise.all(ones(10).map(() => light.client.incr('counter')));
    expect(lightWrites.count).toBe(10);
    expect(await lightReplies).toEqual(ones(10));
  });

  it('keeps a MULTI and a pipeline whole and in their place among held commands', async () => {
    const rr = await ready(1);
    const before = Promise.all(ones(20).map(() => rr.client.incr('counter')));
    const tx = rr.client.multi().incr('counter').incr('counter').exec();
    const pipe = rr.client.pipeline().incr('counter').get('counter').exec();
    const after = rr.client.incr('counter');
    expect(await before).toEqual(ones(20));
    expect(await tx).toEqual([
      [null, 21],
      [null, 22],
    ]);
    expect(await pipe).toEqual([
      [null, 23],
      [null, '23'],
    ]);
    expect(await after).toBe(24);
  });

  it('a connection lost while writes are held: those calls fail typed, nothing is applied twice', async () => {
    const rec = recordingInstrumentation();
    const rr = await ready(16, { instrumentation: rec.instrumentation });
    const calls = ones(100).map(() => rr.client.incr('counter'));
    // The 84 held commands never leave the process; the 16 written may or may not have run.
    (rr.client.raw as Redis).stream.destroy();
    const settled = await Promise.allSettled(calls);
    const ok = settled.filter((s) => s.status === 'fulfilled').length;
    for (const s of settled) if (s.status === 'rejected') expect(isRedisUnavailableError(s.reason)).toBe(true);
    // Telemetry says what the callers got: a success only for a reply, never for a held command that was lost.
    const incrs = rec.calls.filter((c) => c.operation === 'incr');
    expect(incrs).toHaveLength(100);
    expect(incrs.filter((c) => c.outcome === 'success')).toHaveLength(ok);
    expect(incrs.every((c) => c.outcome === 'success' || c.outcome === 'failure')).toBe(true);
    // INCR may have run without its reply arriving, so it is not retried: the counter holds at most what was sent
    // and at least what was acknowledged; the held ones are not in it. (Read beside the package: its breaker has
    // opened on the 100 failures.)
    const counter = Number(await server.cli('GET', 'counter'));
    expect(counter).toBeGreaterThanOrEqual(ok);
    expect(counter).toBeLessThanOrEqual(16);
  });

  it('close() while writes are held settles every call with ClientClosedError', async () => {
    const rr = await ready(16);
    const calls = ones(100).map(() => rr.client.get('counter'));
    await rr.close();
    const settled = await Promise.allSettled(calls);
    expect(settled.every((s) => s.status === 'rejected' && s.reason instanceof ClientClosedError)).toBe(true);
  });
});
