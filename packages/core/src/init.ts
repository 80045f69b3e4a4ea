/**
 * `init(options)`: the one call a service makes. Validates options, builds the connection, the policies and the
 * telemetry, and returns the guarded client with health, metrics and close.
 */
import { Breaker } from './breaker/breaker.js';
import { Connection, createRedis } from './client/connection.js';
import { Executor } from './client/executor.js';
import { createGuardedClient, type ResilientClient } from './client/guarded-client.js';
import { type Clock, systemClock } from './clock.js';
import { classifyError, isFailure } from './errors/classify.js';
import { type HealthReport, healthReport } from './health.js';
import { type Instrumentation, noopInstrumentation } from './instrumentation.js';
import { safeLog } from './logger.js';
import { type ResilienceOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { RetryBudget } from './retry/budget.js';

export interface RedisResilience {
  /** ioredis-compatible commands, each guarded by retry, breaker, timeout and the bounded offline queue. */
  readonly client: ResilientClient;
  /** Readiness: ok, degraded (Redis impaired, failing fast or falling back) or down (closed). */
  health(): Promise<HealthReport>;
  /** Prometheus exposition text of this instance's registry. */
  metrics(): Promise<string>;
  /** Flush telemetry, disconnect, stop timers. Idempotent. */
  close(): Promise<void>;
  /** The options in force after defaults. */
  readonly options: Readonly<ResolvedOptions>;
}

/** Internal seams for tests: an injected clock and random source. Not part of the public options. */
export interface InitInternals {
  clock?: Clock;
  random?: () => number;
  instrumentation?: Instrumentation;
}

export function init(options: ResilienceOptions = {}, internals: InitInternals = {}): RedisResilience {
  const opts = resolveOptions(options);
  const clock = internals.clock ?? systemClock;
  const instrumentation = internals.instrumentation ?? noopInstrumentation;
  const connectionConfig = { ...opts.timeouts, ...opts.queue };
  const { client: redis, owned } = createRedis(opts.redis, connectionConfig);
  const connection = new Connection(redis, owned, connectionConfig, instrumentation, clock);

  const breaker = new Breaker('default', opts.breaker, {
    probe: () => probe(),
    isFailure: (err) => isFailure(classifyError(err)),
    onTransition: (t) => {
      instrumentation.breakerTransition(t);
      safeLog(opts.logger, t.to === 'open' ? 'warn' : 'info', { client: opts.clientName, ...t }, 'circuit breaker');
    },
  });
  const budget = opts.retry.budget ? new RetryBudget(opts.retry.budget, clock) : undefined;
  const executor = new Executor(opts, {
    connection,
    breakerFor: () => breaker,
    budget,
    instrumentation,
    clock,
    ...(internals.random && { random: internals.random }),
  });
  const client = createGuardedClient({ executor, redis: () => redis, idempotentWrites: opts.retry.idempotentWrites });

  /** The half-open probe: one PING with the connect and reply bounds, no retries, outside the breaker. */
  async function probe(): Promise<unknown> {
    if (!connection.ready) await connection.waitReady('ping', opts.timeouts.connectMs);
    return await withTimeout(redis.ping(), opts.timeouts.commandMs, clock);
  }

  let closing: Promise<void> | undefined;
  return {
    client,
    options: opts,
    async health() {
      return healthReport({
        closed: closing !== undefined,
        connectionStatus: connection.status,
        lastErrorType: connection.lastConnectionErrorType,
        breakers: [breaker],
        offlineLength: connection.offlineLength,
        maxOffline: opts.queue.maxOffline,
      });
    },
    async metrics() {
      return '';
    },
    close() {
      closing ??= (async () => {
        executor.close();
        breaker.shutdown();
        await connection.close();
      })();
      return closing;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.setTimeout(() => {
      p.catch(() => {});
      reject(Object.assign(new Error(`probe timed out after ${ms} ms`), { code: 'ETIMEDOUT' }));
    }, ms);
    p.then(
      (v) => {
        clock.clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clock.clearTimeout(t);
        reject(e);
      },
    );
  });
}
