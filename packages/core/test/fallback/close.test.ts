/**
 * close() and the fallbacks: every cache and queue call after close rejects with ClientClosedError (the `rr.queue`
 * getter itself never throws), callers waiting on a loader are released at once, and nothing the fallbacks started
 * (loader timers, the replay timer, the SQLite spool) keeps the process alive.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { Spool } from '../../src/fallback/spool.js';
import { init, isRedisUnavailableError } from '../../src/index.js';
import { FAST, ready } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rr-close-'));
afterAll(async () => {
  await stopAllRedis();
  rmSync(dir, { recursive: true, force: true });
});

const closedError = (e: unknown) => isRedisUnavailableError(e) && e.code === 'ERR_CLIENT_CLOSED';

it('after close(): rr.queue does not throw; publish, replay and getOrLoad reject with ClientClosedError', async () => {
  const server = await startRedis();
  const used = join(dir, 'used.db');
  const unused = join(dir, 'unused.db');
  const a = init({ redis: server.url, ...FAST, tracing: false, fallbacks: { queue: { spoolPath: used } } });
  const b = init({ redis: server.url, ...FAST, tracing: false, fallbacks: { queue: { spoolPath: unused } } });
  await ready(a);
  await ready(b);
  expect((await a.queue.publish('s', 'x')).spooled).toBe(false);
  // A caller waiting on a loader that never settles, when close() comes.
  const waiting = a.cache.getOrLoad('k', () => new Promise<never>(() => {})).catch((e: unknown) => e);
  await Promise.all([a.close(), b.close()]);
  expect(closedError(await waiting)).toBe(true);

  for (const rr of [a, b]) {
    const queue = rr.queue; // before: threw synchronously when the queue had not been used
    await expect(queue.publish('s', 'x')).rejects.toSatisfy(closedError);
    await expect(queue.replay()).rejects.toSatisfy(closedError);
    // before: the loader answered, as if Redis were merely down
    await expect(rr.cache.getOrLoad('k', async () => 'v')).rejects.toSatisfy(closedError);
  }
  expect(existsSync(unused)).toBe(false); // refusing calls opened no spool
});

it('a closed instance leaves no timer or handle behind: the process exits by itself right after close()', async () => {
  const server = await startRedis();
  // A message replay keeps retrying (its stream is a string key: WRONGTYPE), so the replay timer runs until close.
  const redis = new Redis(server.url);
  await redis.set('blocked', 'not a stream');
  redis.disconnect();
  const spool = join(dir, 'child.db');
  const seed = new Spool(spool);
  seed.append('blocked', 'id-1', [['n', '1']]);
  seed.close();

  const res = await runNode(join(here, 'fixtures', 'close-exit.ts'), {
    cwd: join(here, '..', '..'),
    env: { NODE_OPTIONS: '--import tsx', REDIS_URL: server.url, SPOOL: spool },
    timeoutMs: 30_000, // the fixture's loader timer alone would hold it 60 s
  });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const lines = res.stdout.trim().split('\n');
  expect(lines[0]).toBe(`after ${Array(4).fill('ERR_CLIENT_CLOSED:closed').join(' ')}`);
  const linger = Number(lines[1]?.replace('exit ', ''));
  console.log(`process exited ${linger} ms after close() resolved`);
  // Measured ~5 ms; the bound leaves room for a loaded machine, not for any timer of ours.
  expect(linger).toBeLessThan(500);
});
