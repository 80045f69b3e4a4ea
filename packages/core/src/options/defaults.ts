/** The defaults: one frozen object, merged once by resolveOptions. README's options table states each value. */

export const DEFAULT_IDEMPOTENT_WRITES: readonly string[] = Object.freeze([
  'set',
  'setex',
  'psetex',
  'mset',
  'del',
  'unlink',
  'expire',
  'pexpire',
  'expireat',
  'pexpireat',
  'persist',
  'hset',
  'hmset',
  'hdel',
  'sadd',
  'srem',
  'zrem',
]);

export const DEFAULTS = Object.freeze({
  retry: Object.freeze({
    maxAttempts: 3,
    baseDelayMs: 50,
    maxDelayMs: 1000,
    jitter: 'full' as const,
    deadlineMs: 3000,
    budget: Object.freeze({ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 }),
    idempotentWrites: DEFAULT_IDEMPOTENT_WRITES,
  }),
  breaker: Object.freeze({
    errorThresholdPercentage: 50,
    volumeThreshold: 10,
    rollingWindowMs: 10_000,
    resetTimeoutMs: 5000,
    maxResetTimeoutMs: 30_000,
    halfOpenProbes: 1,
    enabled: true,
  }),
  timeouts: Object.freeze({ connectMs: 2000, commandMs: 1000 }),
  queue: Object.freeze({ maxOffline: 1000, maxWaitMs: 1000 }),
  pool: Object.freeze({ size: 1, acquireTimeoutMs: 1000, coalesceWritesAt: 16 as number | false }),
  /** The built-in `/metrics` listener (used only with `metrics.port`). */
  metrics: Object.freeze({
    host: '127.0.0.1',
    headersTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    idleTimeoutMs: 10_000,
    maxConnections: 64,
  }),
});
