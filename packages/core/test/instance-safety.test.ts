/**
 * An ioredis instance the app passes to init() runs under the same settings as the clients init builds: changed at
 * init, and said so once. Detection works on an instance of another copy of ioredis, whose classes are not ours.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { type RedisProcess, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isClusterInstance, isRedisInstance } from '../src/client/detect.js';
import type { Logger } from '../src/index.js';
import { Opened, settle } from './helpers.js';

let server: RedisProcess;
const opened = new Opened();
const open = opened.init;

beforeAll(async () => {
  server = await startRedis({ password: 's3cret-pw' });
});
afterAll(async () => {
  await opened.closeAll();
  await stopAllRedis();
});

function recordingLogger() {
  const warnings: Array<{ obj: object; msg: string | undefined }> = [];
  const logger: Logger = {
    info() {},
    error() {},
    warn: (obj, msg) => warnings.push({ obj, msg }),
  };
  return { logger, warnings };
}

/** A second, separate copy of ioredis: the same code, other classes (as when an app installs its own). */
function anotherIoredis(): typeof import('ioredis') {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('ioredis');
  const root = path.dirname(path.dirname(entry));
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  return require('ioredis') as typeof import('ioredis');
}

describe('a user-supplied ioredis instance', () => {
  it("gets init's settings, with one notice that names each change and never the password", async () => {
    const mine = new Redis(server.url);
    expect(mine.options.maxRetriesPerRequest).toBe(20);
    const { logger, warnings } = recordingLogger();
    open({ redis: mine, logger, timeouts: { connectMs: 1500 } });
    expect(mine.options).toMatchObject({
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      connectTimeout: 1500,
    });
    expect(warnings).toHaveLength(1);
    const names = (warnings[0]!.obj as { changed: { name: string }[] }).changed.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'maxRetriesPerRequest',
        'enableOfflineQueue',
        'autoResendUnfulfilledCommands',
        'retryStrategy',
      ]),
    );
    expect(warnings[0]!.msg).toMatch(/maxRetriesPerRequest 20 -> 0/);
    expect(JSON.stringify(warnings)).not.toContain('s3cret-pw');
    mine.disconnect();
  });

  it('says nothing when the instance is already set up that way', () => {
    const mine = new Redis(server.url);
    open({ redis: mine, logger: recordingLogger().logger });
    const { logger, warnings } = recordingLogger();
    open({ redis: mine, logger });
    expect(warnings).toHaveLength(0);
    mine.disconnect();
  });

  it('used directly while Redis is down, it fails at once instead of queueing commands for retries', async () => {
    const s = await startRedis();
    const mine = new Redis(s.url);
    mine.on('error', () => {});
    await mine.ping();
    open({ redis: mine, logger: recordingLogger().logger });
    await s.kill();
    // ioredis's defaults would hold this GET in the offline queue through 20 reconnect attempts (tens of seconds).
    const { error, ms } = await settle(mine.get('k'));
    expect(error).toBeDefined();
    expect(ms).toBeLessThan(500);
    mine.disconnect();
  });

  it('the extra connections of a pool copy the changed settings', () => {
    const mine = new Redis(server.url);
    const duplicate = vi.spyOn(mine, 'duplicate');
    open({ redis: mine, pool: { size: 3 }, logger: recordingLogger().logger });
    expect(duplicate).toHaveBeenCalledTimes(2);
    for (const r of duplicate.mock.results) {
      expect((r.value as Redis).options).toMatchObject({ maxRetriesPerRequest: 0, enableOfflineQueue: false });
    }
    mine.disconnect();
  });
});

describe('another copy of ioredis', () => {
  const copy = anotherIoredis();

  it('is another copy: its classes are not ours', () => {
    expect(copy.Redis).not.toBe(Redis);
    expect(new copy.Redis({ lazyConnect: true }) instanceof Redis).toBe(false);
  });

  it('a Redis from it is recognised, secured and served', async () => {
    const theirs = new copy.Redis(server.url);
    expect(isRedisInstance(theirs)).toBe(true);
    expect(isClusterInstance(theirs)).toBe(false);
    const rr = open({ redis: theirs as unknown as Redis, logger: recordingLogger().logger });
    expect(theirs.options.maxRetriesPerRequest).toBe(0);
    expect(await rr.client.set('copy', 'yes')).toBe('OK');
    expect(await theirs.get('copy')).toBe('yes');
    theirs.disconnect();
  });

  it('a Cluster from it is recognised as a Cluster: its node connections are secured, not the Cluster itself', () => {
    const theirs = new copy.Cluster([{ host: '127.0.0.1', port: server.port }], { lazyConnect: true });
    expect(isClusterInstance(theirs)).toBe(true);
    expect(isRedisInstance(theirs)).toBe(false);
    const { logger, warnings } = recordingLogger();
    const rr = open({ redis: theirs as unknown as Redis, logger });
    expect(rr.client.isCluster).toBe(true);
    const secured = { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false };
    expect(theirs.options.redisOptions).toMatchObject(secured);
    // ioredis's node pool (an internal) copies redisOptions at construction: it is what new node connections get.
    expect(
      (theirs as unknown as { connectionPool: { redisOptions: object } }).connectionPool.redisOptions,
    ).toMatchObject(secured);
    // A Cluster's own offline queue (commands waiting for the slot map) is not ioredis's per-connection one.
    expect(theirs.options.enableOfflineQueue).toBe(true);
    expect(warnings).toHaveLength(1);
    theirs.disconnect();
  });
});
