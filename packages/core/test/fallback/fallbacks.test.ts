import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, expect, it } from 'vitest';
import { createFallbacks } from '../../src/fallback/index.js';
import { init } from '../../src/index.js';
import { FAST, fallbackRecorder } from './helpers.js';

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
  ).toThrow('cache.ttlSeconds');
});
