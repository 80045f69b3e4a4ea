import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { createFallbacksWith as createFallbacks } from './build.js';
import { FAST, fallbackRecorder, ready } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rr-fallbacks-'));
afterAll(async () => {
  await stopAllRedis();
  rmSync(dir, { recursive: true, force: true });
});

it('createFallbacks: queue and sessions are made on first access; close is idempotent', async () => {
  const server = await startRedis();
  const rec = fallbackRecorder();
  const rr = init({ redis: server.url, ...FAST }, { instrumentation: rec.instrumentation });
  const spoolPath = join(dir, 'spool.db');
  const fb = createFallbacks({
    client: rr.client,
    instrumentation: rec.instrumentation,
    options: { cache: { ttlSeconds: 30 }, queue: { spoolPath } },
  });
  try {
    await ready(rr);
    expect(await fb.cache.getOrLoad('k', async () => 'v')).toBe('v');
    expect(
      await fb.withFallback(
        'noop',
        async () => 1,
        () => 2,
      ),
    ).toBe(1);
    expect(existsSync(spoolPath)).toBe(false);
    expect((await fb.queue.publish('s', 'x')).spooled).toBe(false);
    expect(existsSync(spoolPath)).toBe(true);
    expect(fb.queue).toBe(fb.queue);
    expect(fb.sessions).toBe(fb.sessions);
    expect(typeof fb.sessions.regenerate).toBe('function'); // express-session's Store is the base class
  } finally {
    fb.close();
    fb.close();
    await rr.close();
  }
  expect(() =>
    createFallbacks({ client: rr.client, instrumentation: rec.instrumentation, options: { cache: { ttlSeconds: 0 } } }),
  ).toThrow('fallbacks.cache.ttlSeconds');
});

it('createFallbacks validates every section at once, naming the field, though queue and sessions are lazy', async () => {
  const rr = init({ redis: 'redis://127.0.0.1:1', ...FAST });
  const deps = { client: rr.client, instrumentation: fallbackRecorder().instrumentation };
  try {
    const make = (options: object) => () => createFallbacks({ ...deps, options });
    expect(make({ queue: { maxSpooled: 0 } })).toThrow('fallbacks.queue.maxSpooled: must be an integer from 1');
    expect(make({ queue: { deadLetterSuffix: '' } })).toThrow('fallbacks.queue.deadLetterSuffix: must be non-empty');
    expect(make({ queue: { durability: 'disk' } })).toThrow(
      "fallbacks.queue.durability: must be one of 'process', 'machine'",
    );
    expect(make({ sessions: { maxFallbackEntries: -1 } })).toThrow('fallbacks.sessions.maxFallbackEntries');
    expect(make({ sessions: { ttl: 0 } })).toThrow('fallbacks.sessions.ttl: must be an integer from 1');
    expect(make({ sessions: { expiry: 5 } })).toThrow('unknown option fallbacks.sessions.expiry');
    expect(make({ cache: { ttl: 5 } })).toThrow('unknown option fallbacks.cache.ttl');
    expect(make({ spool: {} })).toThrow('unknown option fallbacks.spool');
    expect(make({ queue: null })).toThrow('fallbacks.queue: must be an object');
  } finally {
    await rr.close();
  }
});
