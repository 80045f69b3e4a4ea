import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError, isInvalidOptionsError } from '../errors/errors.js';
import type { Logger } from '../logger.js';
import { DEFAULT_IDEMPOTENT_WRITES, DEFAULTS, type ResilienceOptions, resolveOptions } from './index.js';

/** Runs resolveOptions on input that may not type-check, and returns the InvalidOptionsError it must throw. */
function invalid(input: unknown): InvalidOptionsError {
  try {
    resolveOptions(input as ResilienceOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect(isInvalidOptionsError(e)).toBe(true);
    expect((e as InvalidOptionsError).code).toBe('ERR_INVALID_OPTIONS');
    return e as InvalidOptionsError;
  }
  throw new Error(`resolveOptions accepted ${JSON.stringify(input)}`);
}

const logger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

beforeEach(() => {
  // Defaults read these; pin them so the host environment cannot leak in.
  vi.stubEnv('REDIS_URL', undefined);
  vi.stubEnv('OTEL_SERVICE_NAME', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('resolveOptions defaults', () => {
  // Every default pinned literally, as README's options table states it: a changed default fails here, and the
  // author then changes README too. (Comparing with DEFAULTS itself could never fail.)
  it('fills every section with the documented defaults when given {}', () => {
    const o = resolveOptions({});
    expect({ ...o.retry, idempotentWrites: undefined }).toEqual({
      maxAttempts: 3,
      baseDelayMs: 50,
      maxDelayMs: 1000,
      jitter: 'full',
      deadlineMs: 3000,
      budget: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 },
      idempotentWrites: undefined,
    });
    expect(o.breaker).toEqual({
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 5000,
      maxResetTimeoutMs: 30_000,
      halfOpenProbes: 1,
      enabled: true,
    });
    expect(o.timeouts).toEqual({ connectMs: 2000, commandMs: 1000 });
    expect(o.queue).toEqual({ maxOffline: 1000, maxWaitMs: 1000 });
    expect(o.pool).toEqual({ size: 1, acquireTimeoutMs: 1000, coalesceWritesAt: 16 });
    // The /metrics listener's documented defaults, pinned: loopback, bounded waits, a connection cap.
    expect(o.metrics).toEqual({
      prefix: 'redis_resilience_',
      host: '127.0.0.1',
      headersTimeoutMs: 5000,
      requestTimeoutMs: 10_000,
      idleTimeoutMs: 10_000,
      maxConnections: 64,
    });
    expect(o.fallbacks.cache).toMatchObject({ ttlSeconds: 300, loaderTimeoutMs: 10_000 });
    expect(o.fallbacks.sessions).toMatchObject({
      prefix: 'sess:',
      ttl: 86_400,
      disableTouch: false,
      disableTTL: false,
      scanCount: 100,
      maxFallbackEntries: 10_000,
      writeBackIntervalMs: 1000,
    });
    expect(o.fallbacks.queue).toEqual({
      spoolPath: './.redis-resilience/spool.db',
      durability: 'process',
      maxSpooled: 100_000,
      maxReplayAttempts: 5,
      deadLetterSuffix: ':dead',
      replayIntervalMs: 1000,
      dedupTtlSeconds: 86_400,
    });
    expect(o.tracing).toEqual({});
    expect(o.slowlog).toBe(false);
    expect(o.logger).toBeUndefined();
  });

  it('keeps DEFAULTS (exported) equal to what resolveOptions fills in', () => {
    const o = resolveOptions({});
    expect(o.breaker).toEqual(DEFAULTS.breaker);
    expect(o.timeouts).toEqual(DEFAULTS.timeouts);
    expect(o.queue).toEqual(DEFAULTS.queue);
    expect(o.pool).toEqual(DEFAULTS.pool);
  });

  it('treats a missing argument like {}', () => {
    expect(resolveOptions()).toEqual(resolveOptions({}));
  });

  it('turns the default idempotent writes into a lower-case Set', () => {
    const o = resolveOptions({});
    expect(o.retry.idempotentWrites).toBeInstanceOf(Set);
    expect([...o.retry.idempotentWrites].sort()).toEqual([...DEFAULT_IDEMPOTENT_WRITES].sort());
    expect(o.retry.idempotentWrites.has('del')).toBe(true);
    expect(o.retry.idempotentWrites.has('incr')).toBe(false);
  });

  it('defaults redis to the local server, or REDIS_URL when set', () => {
    expect(resolveOptions({}).redis).toBe('redis://127.0.0.1:6379');
    vi.stubEnv('REDIS_URL', 'redis://cache.internal:6380');
    expect(resolveOptions({}).redis).toBe('redis://cache.internal:6380');
  });

  it('defaults serviceName and clientName, honouring OTEL_SERVICE_NAME', () => {
    const o = resolveOptions({});
    expect(o.serviceName).toBe('redis-resilience');
    expect(o.clientName).toBe('redis-resilience');
    vi.stubEnv('OTEL_SERVICE_NAME', 'checkout-api');
    expect(resolveOptions({}).clientName).toBe('checkout-api');
  });

  it('derives a label-safe clientName from a serviceName with spaces', () => {
    const o = resolveOptions({ serviceName: 'checkout api / eu' });
    expect(o.serviceName).toBe('checkout api / eu');
    expect(o.clientName).toBe('checkout_api___eu');
  });

  it('caps a derived clientName at 64 characters', () => {
    expect(resolveOptions({ serviceName: 'x'.repeat(150) }).clientName).toBe('x'.repeat(64));
  });

  it('leaves DEFAULTS frozen and unchanged after merging', () => {
    resolveOptions({ retry: { maxAttempts: 7 }, breaker: { volumeThreshold: 99 } });
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(Object.isFrozen(DEFAULTS.retry)).toBe(true);
    expect(DEFAULTS.retry.maxAttempts).toBe(3);
    expect(DEFAULTS.breaker.volumeThreshold).toBe(10);
  });
});

describe('resolveOptions merging', () => {
  it('keeps the other defaults of a section when one field is set', () => {
    const o = resolveOptions({ retry: { maxAttempts: 5 }, breaker: { resetTimeoutMs: 250 } });
    expect(o.retry.maxAttempts).toBe(5);
    expect(o.retry.baseDelayMs).toBe(50);
    expect(o.retry.maxDelayMs).toBe(1000);
    expect(o.breaker.resetTimeoutMs).toBe(250);
    expect(o.breaker.volumeThreshold).toBe(10);
    expect(o.breaker.enabled).toBe(true);
  });

  it('merges the retry budget field by field', () => {
    const o = resolveOptions({ retry: { budget: { ratio: 0.5 } } });
    expect(o.retry.budget).toEqual({ ratio: 0.5, minPerSecond: 10, windowMs: 10_000 });
  });

  it('keeps budget: false', () => {
    expect(resolveOptions({ retry: { budget: false } }).retry.budget).toBe(false);
  });

  it('lower-cases user idempotentWrites and replaces the default list', () => {
    const o = resolveOptions({ retry: { idempotentWrites: ['INCR', 'LPush'] } });
    expect([...o.retry.idempotentWrites].sort()).toEqual(['incr', 'lpush']);
  });

  it('passes through the sections that can be switched off', () => {
    const o = resolveOptions({ metrics: false, tracing: false, slowlog: false });
    expect(o.metrics).toBe(false);
    expect(o.tracing).toBe(false);
    expect(o.slowlog).toBe(false);
  });

  it('keeps the metrics prefix and tracing settings the user gave', () => {
    const o = resolveOptions({
      metrics: { prefix: 'myapp_', port: 0 },
      tracing: { startSdk: false, dbQueryText: true, requireParentSpan: true },
      slowlog: { intervalMs: 5000 },
    });
    expect(o.metrics).toEqual({ ...DEFAULTS.metrics, prefix: 'myapp_', port: 0 });
    expect(o.tracing).toEqual({ startSdk: false, dbQueryText: true, requireParentSpan: true });
    expect(o.slowlog).toEqual({ intervalMs: 5000 });
  });

  it('accepts a rediss:// URL, an ioredis options object, a logger and a clientName', () => {
    const o = resolveOptions({
      redis: { host: '10.0.0.1', port: 6380 },
      clientName: 'checkout-api.eu:1',
      logger,
    });
    expect(o.redis).toEqual({ host: '10.0.0.1', port: 6380 });
    expect(o.clientName).toBe('checkout-api.eu:1');
    expect(o.logger).toBe(logger);
    expect(resolveOptions({ redis: 'rediss://cache:6380' }).redis).toBe('rediss://cache:6380');
  });

  it('accepts the limits of each range', () => {
    expect(() =>
      resolveOptions({
        retry: { maxAttempts: 20, baseDelayMs: 0, maxDelayMs: 0 },
        breaker: { errorThresholdPercentage: 100, halfOpenProbes: 100 },
        queue: { maxOffline: 0, maxWaitMs: 0 },
        metrics: { port: 65_535 },
      }),
    ).not.toThrow();
    expect(() => resolveOptions({ retry: { maxAttempts: 1 }, timeouts: { commandMs: 1, connectMs: 1 } })).not.toThrow();
  });

  it('accepts maxDelayMs equal to baseDelayMs', () => {
    expect(resolveOptions({ retry: { baseDelayMs: 200, maxDelayMs: 200 } }).retry.maxDelayMs).toBe(200);
  });
});

describe('resolveOptions validation', () => {
  it('names the field and the accepted range for retry.maxAttempts: 0', () => {
    const e = invalid({ retry: { maxAttempts: 0 } });
    expect(e.field).toBe('retry.maxAttempts');
    expect(e.message).toContain('retry.maxAttempts');
    expect(e.message).toContain('from 1 to 20');
    expect(e.message).toContain('got 0');
    expect(e.issues).toHaveLength(1);
  });

  it('pool.coalesceWritesAt: a positive integer or false, 16 by default', () => {
    expect(resolveOptions({}).pool.coalesceWritesAt).toBe(16);
    expect(resolveOptions({ pool: { coalesceWritesAt: false } }).pool.coalesceWritesAt).toBe(false);
    expect(resolveOptions({ pool: { coalesceWritesAt: 1 } }).pool.coalesceWritesAt).toBe(1);
    for (const bad of [0, -1, 2.5, true, '16'])
      expect(invalid({ pool: { coalesceWritesAt: bad } }).field).toBe('pool.coalesceWritesAt');
  });

  it('rejects retry.maxAttempts above the range', () => {
    const e = invalid({ retry: { maxAttempts: 21 } });
    expect(e.field).toBe('retry.maxAttempts');
    expect(e.message).toContain('from 1 to 20');
  });

  it('rejects a fractional maxAttempts', () => {
    expect(invalid({ retry: { maxAttempts: 2.5 } }).field).toBe('retry.maxAttempts');
  });

  it('rejects a string where a number belongs', () => {
    expect(invalid({ retry: { maxAttempts: '3' } }).field).toBe('retry.maxAttempts');
  });

  it.each([
    ['timeouts', 'commandMs', 'from 1 to 600000'],
    ['timeouts', 'connectMs', 'from 1 to 600000'],
    ['queue', 'maxWaitMs', 'from 0 to 600000'],
    ['breaker', 'resetTimeoutMs', 'from 10 to 3600000'],
    ['retry', 'baseDelayMs', 'from 0 to 60000'],
    ['retry', 'deadlineMs', 'from 1 to 600000'],
  ])('rejects a negative %s.%s', (section, key, range) => {
    const e = invalid({ [section]: { [key]: -5 } });
    expect(e.field).toBe(`${section}.${key}`);
    expect(e.message).toContain(`${section}.${key}`);
    expect(e.message).toContain(range);
    expect(e.message).toContain('got -5');
  });

  it('names the range of a nested budget field', () => {
    const e = invalid({ retry: { budget: { windowMs: 10 } } });
    expect(e.field).toBe('retry.budget.windowMs');
    expect(e.message).toContain('from 1000 to 600000');
  });

  it('names the range of metrics.port', () => {
    const e = invalid({ metrics: { port: 70_000 } });
    expect(e.field).toBe('metrics.port');
    expect(e.message).toContain('from 0 to 65535');
  });

  it('names the range of the metrics listener bounds, and keeps the header wait within the request time', () => {
    expect(invalid({ metrics: { idleTimeoutMs: 0 } }).message).toContain('metrics.idleTimeoutMs: must be an integer');
    expect(invalid({ metrics: { maxConnections: 0 } }).field).toBe('metrics.maxConnections');
    const e = invalid({ metrics: { headersTimeoutMs: 20_000 } });
    expect(e.field).toBe('metrics.headersTimeoutMs');
    expect(e.message).toContain('metrics.headersTimeoutMs: must be at most metrics.requestTimeoutMs (10000)');
  });

  it('names an unknown top-level key in the message', () => {
    const e = invalid({ retyr: {} });
    expect(e.message).toContain('retyr');
    expect(e.message).toContain('unknown option');
  });

  it('names an unknown nested key with its section', () => {
    const e = invalid({ retry: { maxAttemps: 3 } });
    expect(e.field).toBe('retry.maxAttemps');
    expect(e.message).toContain('retry.maxAttemps');
  });

  it('lists several unknown keys together', () => {
    const e = invalid({ retyr: {}, brekaer: {} });
    expect(e.message).toContain('retyr');
    expect(e.message).toContain('brekaer');
  });

  it.each(['localhost:6379', 'http://localhost:6379', ''])('rejects redis %j as not a redis URL', (redis) => {
    const e = invalid({ redis });
    expect(e.field).toBe('redis');
    expect(e.message).toContain('redis:// or rediss://');
  });

  it('rejects a redis value that is neither a URL nor an object', () => {
    expect(invalid({ redis: 6379 }).field).toBe('redis');
  });

  it.each(['1bad', 'my-app_', 'has space_'])('rejects metrics.prefix %j', (prefix) => {
    const e = invalid({ metrics: { prefix } });
    expect(e.field).toBe('metrics.prefix');
    expect(e.message).toContain('metrics.prefix');
    expect(e.message).toContain('Prometheus');
  });

  it('rejects retry.maxDelayMs below baseDelayMs, naming both', () => {
    const e = invalid({ retry: { baseDelayMs: 500, maxDelayMs: 100 } });
    expect(e.field).toBe('retry.maxDelayMs');
    expect(e.message).toContain('retry.maxDelayMs');
    expect(e.message).toContain('retry.baseDelayMs');
    expect(e.message).toContain('500');
  });

  it('rejects a baseDelayMs above the default maxDelayMs', () => {
    expect(invalid({ retry: { baseDelayMs: 2000 } }).field).toBe('retry.maxDelayMs');
  });

  it.each([
    ['no methods', {}],
    ['only info', { info: () => {} }],
    ['error is not a function', { info: () => {}, warn: () => {}, error: 'no' }],
    ['a function', () => {}],
  ])('rejects a logger with %s', (_label, badLogger) => {
    const e = invalid({ logger: badLogger });
    expect(e.field).toBe('logger');
    expect(e.message).toContain('info, warn and error');
  });

  it.each(['checkout api', '', 'x'.repeat(65), 'ümlaut'])('rejects clientName %j', (clientName) => {
    const e = invalid({ clientName });
    expect(e.field).toBe('clientName');
    expect(e.message).toContain('clientName');
    expect(e.message).toContain('1-64 characters');
  });

  it('rejects an unknown jitter mode', () => {
    const e = invalid({ retry: { jitter: 'fullish' } });
    expect(e.field).toBe('retry.jitter');
    expect(e.message).toContain('"full"|"equal"|"none"');
  });

  it('rejects a non-boolean breaker.enabled and a metrics registry that is not one', () => {
    expect(invalid({ breaker: { enabled: 'yes' } }).field).toBe('breaker.enabled');
    // zod's union swallows the custom check's own path and message, so only the section is asserted.
    expect(invalid({ metrics: { registry: {} } }).field).toMatch(/^metrics/);
  });

  it('rejects metrics: true, and the SDK options of old with a message that says what to do instead', () => {
    expect(invalid({ metrics: true }).field).toBe('metrics');
    expect(invalid({ metrics: { meterProvider: {} } }).message).toMatch(
      /metrics\.meterProvider: must be an OpenTelemetry MeterProvider/,
    );
    const endpoint = invalid({ tracing: { endpoint: 'http://collector:4318' } });
    expect(endpoint.field).toBe('tracing.endpoint');
    expect(endpoint.message).toContain("import '@redis-resilience/core/register'");
    expect(invalid({ tracing: { startSdk: true } }).message).toContain('no longer starts an OpenTelemetry SDK');
  });

  it('rejects a non-object input', () => {
    const e = invalid('redis://localhost');
    expect(e.field).toBe('(options)');
    expect(e.message).toContain('must be an object');
    expect(invalid(null).field).toBe('(options)');
  });

  it('reports several problems together, the first as .field', () => {
    const e = invalid({
      retry: { maxAttempts: 0 },
      timeouts: { connectMs: -1 },
      clientName: 'a b',
      retyr: {},
    });
    expect(e.issues.length).toBe(4);
    expect(e.message).toContain('retry.maxAttempts');
    expect(e.message).toContain('from 1 to 20');
    expect(e.message).toContain('timeouts.connectMs');
    expect(e.message).toContain('clientName');
    expect(e.message).toContain('retyr');
    expect(['retry.maxAttempts', 'timeouts.connectMs', 'clientName']).toContain(e.field);
  });

  it('never shows a password from the redis URL when another option is invalid', () => {
    const e = invalid({ redis: 'redis://:s3cret@host:6379', retry: { maxAttempts: 0 } });
    expect(e.field).toBe('retry.maxAttempts');
    expect(e.message).not.toContain('s3cret');
    expect(e.issues.join('\n')).not.toContain('s3cret');
    expect(String(e.stack)).not.toContain('s3cret');
  });

  it('never shows a password from an invalid redis URL or a redis options object', () => {
    const bad = invalid({ redis: 'http://user:s3cret@host:6379', clientName: 'a b' });
    expect(bad.message).toContain('redis');
    expect(bad.message).not.toContain('s3cret');
    const obj = invalid({ redis: { password: 's3cret' }, timeouts: { commandMs: 0 } });
    expect(obj.message).not.toContain('s3cret');
  });
});

describe('resolveOptions edge cases', () => {
  it('treats an explicit undefined as "use the default"', () => {
    const o = resolveOptions({ retry: { maxAttempts: undefined }, timeouts: { commandMs: undefined } });
    expect(o.retry.maxAttempts).toBe(DEFAULTS.retry.maxAttempts);
    expect(o.timeouts.commandMs).toBe(DEFAULTS.timeouts.commandMs);
  });

  it('names the field of an unknown top-level key', () => {
    expect(invalid({ retyr: {} }).field).toBe('retyr');
  });

  it('names metrics.registry when it is not a Registry', () => {
    const e = invalid({ metrics: { registry: {} } });
    expect(e.field).toBe('metrics.registry');
    expect(e.message).toContain('must be a prom-client Registry');
  });

  it('states the accepted range of errorThresholdPercentage truthfully', () => {
    expect(invalid({ breaker: { errorThresholdPercentage: 0 } }).message).toContain('from 1 to 100 (got 0)');
  });
});
