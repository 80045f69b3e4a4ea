import { describe, expect, it } from 'vitest';
import type { LoadedConfig, RedisSetting } from '../config-file.js';
import { lintOptions } from './lint.js';

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
    expect(lintOptions(good).every((r) => r.status === 'pass')).toBe(true);
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

  it('every warning carries a fix', () => {
    for (const r of lintOptions(config({ queue: { maxOffline: 'lots' } })))
      if (r.status === 'warn') expect(r.fix).toBeTruthy();
  });
});
