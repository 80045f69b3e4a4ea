import { describe, expect, it } from 'vitest';
import type { LoadedConfig, RedisSetting } from '../config-file.js';
import { lintOptions } from './lint.js';
import type { CheckResult } from './types.js';

const config = (options: Record<string, unknown>, redis: RedisSetting = { kind: 'none' }): LoadedConfig => ({
  file: 'test.json',
  options,
  redis,
});
const statuses = (c: LoadedConfig) => Object.fromEntries(lintOptions(c).map((r) => [r.id, `${r.status} ${r.value}`]));

describe('options lint', () => {
  it('warns on a config with no timeouts and no queue bound', () => {
    expect(statuses(config({}))).toEqual({
      'options.connect-timeout': 'warn unset',
      'options.command-timeout': 'warn unset',
      'options.offline-queue': 'warn unset',
      'options.max-retries': 'pass managed',
    });
  });

  it('passes explicit, bounded settings', () => {
    const good = config(
      { timeouts: { connectMs: 2000, commandMs: 1000 }, queue: { maxOffline: 1000, maxWaitMs: 1000 } },
      { kind: 'options', options: { host: 'h', maxRetriesPerRequest: 1 } },
    );
    expect(lintOptions(good).map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('reads the ioredis options when init() sections are absent, and warns on their risky values', () => {
    const c = config(
      {},
      {
        kind: 'options',
        options: {
          connectTimeout: 60_000,
          commandTimeout: 30_000,
          enableOfflineQueue: true,
          maxRetriesPerRequest: null,
        },
      },
    );
    expect(statuses(c)).toEqual({
      'options.connect-timeout': 'warn 60000 ms',
      'options.command-timeout': 'warn 30000 ms',
      'options.offline-queue': 'warn unbounded',
      'options.max-retries': 'warn null',
    });
  });

  it('an ioredis instance left at its defaults: 20 retries, unbounded queue', () => {
    const c = config({}, { kind: 'instance', options: { connectTimeout: 10_000, maxRetriesPerRequest: 20 } });
    expect(statuses(c)['options.max-retries']).toBe('warn 20');
    expect(statuses(c)['options.offline-queue']).toBe('warn unbounded');
    expect(statuses(c)['options.connect-timeout']).toBe('pass 10000 ms');
  });

  it('an infinite queue bound is unbounded; a disabled offline queue passes', () => {
    expect(statuses(config({ queue: { maxOffline: Number.POSITIVE_INFINITY } }))['options.offline-queue']).toBe(
      'warn unbounded',
    );
    const off = config({}, { kind: 'options', options: { enableOfflineQueue: false } });
    expect(statuses(off)['options.offline-queue']).toBe('pass disabled');
  });
});

/** Explicit, bounded settings: nothing warns. Each case below changes one thing. */
const timeouts = { connectMs: 2000, commandMs: 1000 };
const queue = { maxOffline: 1000, maxWaitMs: 1000 };
const FIX_QUEUE = 'set queue.maxOffline (e.g. 1000) and queue.maxWaitMs (e.g. 1000)';
const FIX_RETRIES = 'set maxRetriesPerRequest to 1 (or 0) and let the retry policy decide';
const TWENTY_RETRIES =
  'ioredis retries each command 20 times (its default) under the retry policy, multiplying every wait';

describe('options lint: each warning, alone, says what is wrong and what to do', () => {
  it.each<[string, LoadedConfig, Omit<CheckResult, 'status'>]>([
    [
      'connect timeout unset',
      config({ timeouts: { commandMs: 1000 }, queue }),
      {
        id: 'options.connect-timeout',
        value: 'unset',
        detail: 'timeouts.connectMs is not set: how long a dead host holds a new connection is left to a default',
        fix: 'set timeouts.connectMs (e.g. 2000) to what your request budget allows',
      },
    ],
    [
      'connect timeout above 10 s',
      config({ timeouts: { ...timeouts, connectMs: 10_001 }, queue }),
      {
        id: 'options.connect-timeout',
        value: '10001 ms',
        detail: 'requests wait this long on every attempt to reach a host that is down',
        fix: 'lower timeouts.connectMs to a few seconds at most',
      },
    ],
    [
      'command timeout unset',
      config({ timeouts: { connectMs: 2000 }, queue }),
      {
        id: 'options.command-timeout',
        value: 'unset',
        detail:
          'timeouts.commandMs is not set: plain ioredis has no command timeout (a GET waited 73.6 s for a dead server)',
        fix: 'set timeouts.commandMs (e.g. 1000) below your request timeout',
      },
    ],
    [
      'command timeout above 5 s',
      config({ timeouts: { ...timeouts, commandMs: 5001 }, queue }),
      {
        id: 'options.command-timeout',
        value: '5001 ms',
        detail: 'each attempt may hold the caller this long when Redis stops answering',
        fix: 'lower timeouts.commandMs below your request timeout (Redis answers in well under a millisecond)',
      },
    ],
    [
      'a queue bound that is not a finite number',
      config({ timeouts, queue: { ...queue, maxOffline: 'lots' } }),
      {
        id: 'options.offline-queue',
        value: 'unbounded',
        detail: 'queue.maxOffline is not a finite number: every request piles up while Redis is down',
        fix: FIX_QUEUE,
      },
    ],
    [
      "ioredis's offline queue on, without a queue bound",
      config(
        { timeouts, queue: { maxWaitMs: 1000 } },
        { kind: 'options', options: { enableOfflineQueue: true, maxRetriesPerRequest: 1 } },
      ),
      {
        id: 'options.offline-queue',
        value: 'unbounded',
        detail:
          'enableOfflineQueue is true and queue.maxOffline is not set: requests pile up without limit while Redis is down',
        fix: 'set queue.maxOffline (e.g. 1000) and queue.maxWaitMs, or enableOfflineQueue: false',
      },
    ],
    [
      'queue bound unset',
      config({ timeouts }),
      {
        id: 'options.offline-queue',
        value: 'unset',
        detail: 'queue.maxOffline is not set: how many requests may wait for a connection is left to a default',
        fix: FIX_QUEUE,
      },
    ],
    [
      'maxRetriesPerRequest: null',
      config({ timeouts, queue }, { kind: 'options', options: { maxRetriesPerRequest: null } }),
      {
        id: 'options.max-retries',
        value: 'null',
        detail: 'ioredis retries each command forever while disconnected',
        fix: FIX_RETRIES,
      },
    ],
    [
      'maxRetriesPerRequest: 20, set explicitly',
      config({ timeouts, queue }, { kind: 'options', options: { maxRetriesPerRequest: 20 } }),
      { id: 'options.max-retries', value: '20', detail: TWENTY_RETRIES, fix: FIX_RETRIES },
    ],
    [
      'an ioredis instance at its default of 20 retries',
      config({ timeouts, queue }, { kind: 'instance', options: {} }),
      { id: 'options.max-retries', value: '20', detail: TWENTY_RETRIES, fix: FIX_RETRIES },
    ],
  ])('%s', (_name, c, warning) => {
    expect(lintOptions(c).filter((r) => r.status !== 'pass')).toEqual([{ status: 'warn', ...warning }]);
  });
});
