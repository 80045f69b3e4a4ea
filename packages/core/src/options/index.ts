/** Options: validated at `init` (schema.ts), merged with the defaults once (defaults.ts). */
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { ClusterConfig } from '../client/connection-settings.js';
import { InvalidOptionsError } from '../errors/errors.js';
import type { FallbackOptions } from '../fallback/types.js';
import type { Logger } from '../logger.js';
import { DEFAULTS } from './defaults.js';
import { type ResolvedFallbackOptions, withFallbackDefaults } from './fallbacks.js';
import type {
  BreakerOptions,
  MetricsOptions,
  PoolOptions,
  QueueOptions,
  ResilienceOptions,
  RetryBudgetOptions,
  RetryOptions,
  SlowlogOptions,
  TimeoutOptions,
  TracingOptions,
} from './types.js';
import { validate } from './validate.js';

export { DEFAULT_IDEMPOTENT_WRITES, DEFAULTS } from './defaults.js';
export {
  FALLBACK_DEFAULTS,
  type ResolvedCacheOptions,
  type ResolvedFallbackOptions,
  type ResolvedQueueOptions,
  type ResolvedSessionOptions,
} from './fallbacks.js';

/** One fallback's options alone, checked by the same schema as at `init` (for code that builds one fallback). */
export function resolveFallbacks(options: FallbackOptions = {}): ResolvedFallbackOptions {
  validate({ fallbacks: options });
  return withFallbackDefaults(options);
}
export type * from './types.js';

type MetricsListenerField = keyof typeof DEFAULTS.metrics;

/** Options after defaults: every field present. */
export interface ResolvedOptions {
  redis: string | RedisOptions | Redis | Cluster | ClusterConfig;
  serviceName: string;
  clientName: string;
  retry: Required<Omit<RetryOptions, 'budget' | 'idempotentWrites'>> & {
    budget: false | Required<RetryBudgetOptions>;
    idempotentWrites: ReadonlySet<string>;
  };
  breaker: Required<BreakerOptions>;
  timeouts: Required<TimeoutOptions>;
  queue: Required<QueueOptions>;
  pool: Required<PoolOptions>;
  metrics: false | (MetricsOptions & Required<Pick<MetricsOptions, 'prefix' | MetricsListenerField>>);
  tracing: false | TracingOptions;
  slowlog: false | SlowlogOptions;
  fallbacks: ResolvedFallbackOptions;
  logger: Logger | undefined;
}

/** Validate and merge defaults. Throws InvalidOptionsError naming every bad field and its accepted range. */
export function resolveOptions(input: ResilienceOptions = {}): ResolvedOptions {
  validate(input);
  // An explicit `undefined` (common when options come from env vars) means "use the default".
  const o = withoutUndefined(input);
  const retry = { ...DEFAULTS.retry, ...o.retry };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    throw new InvalidOptionsError('retry.maxDelayMs', [
      `retry.maxDelayMs: must be at least retry.baseDelayMs (${retry.baseDelayMs})`,
    ]);
  }
  const breaker = { ...DEFAULTS.breaker, ...o.breaker };
  if (o.breaker?.maxResetTimeoutMs === undefined) {
    breaker.maxResetTimeoutMs = Math.max(breaker.maxResetTimeoutMs, breaker.resetTimeoutMs);
  } else if (breaker.maxResetTimeoutMs < breaker.resetTimeoutMs) {
    throw new InvalidOptionsError('breaker.maxResetTimeoutMs', [
      `breaker.maxResetTimeoutMs: must be at least breaker.resetTimeoutMs (${breaker.resetTimeoutMs})`,
    ]);
  }
  const metrics = o.metrics === false ? false : { ...DEFAULTS.metrics, ...o.metrics };
  // node:http refuses a header wait longer than the whole request's.
  if (metrics && metrics.headersTimeoutMs > metrics.requestTimeoutMs) {
    throw new InvalidOptionsError('metrics.headersTimeoutMs', [
      `metrics.headersTimeoutMs: must be at most metrics.requestTimeoutMs (${metrics.requestTimeoutMs})`,
    ]);
  }
  const serviceName = o.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'redis-resilience';
  const clientName = o.clientName ?? sanitizeLabel(serviceName);
  return {
    redis: o.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    serviceName,
    clientName,
    retry: {
      ...retry,
      budget: o.retry?.budget === false ? false : { ...DEFAULTS.retry.budget, ...o.retry?.budget },
      idempotentWrites: new Set(retry.idempotentWrites.map((c) => c.toLowerCase())),
    },
    breaker,
    timeouts: { ...DEFAULTS.timeouts, ...o.timeouts },
    queue: { ...DEFAULTS.queue, ...o.queue },
    pool: { ...DEFAULTS.pool, ...o.pool },
    metrics: metrics && { ...metrics, prefix: metrics.prefix ?? 'redis_resilience_' },
    tracing: o.tracing === false ? false : { ...o.tracing },
    slowlog: o.slowlog ?? false,
    fallbacks: withFallbackDefaults(o.fallbacks),
    logger: o.logger,
  };
}

const SECTIONS = ['retry', 'breaker', 'timeouts', 'queue', 'pool', 'metrics', 'tracing', 'slowlog'] as const;

/** Drop `undefined` fields from the top level and from each section; user objects (redis, logger) are kept as is. */
function withoutUndefined(input: ResilienceOptions): ResilienceOptions {
  const strip = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const out = strip(input) as Record<string, unknown>;
  for (const key of SECTIONS) {
    const section = out[key];
    if (typeof section === 'object' && section !== null) out[key] = strip(section);
  }
  const retry = out.retry as RetryOptions | undefined;
  if (retry && typeof retry.budget === 'object') retry.budget = strip(retry.budget);
  return out as ResilienceOptions;
}

function sanitizeLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64) || 'default';
}
