/**
 * `init(options)`: the one call a service makes. Validates options, builds the connection, the policies and the
 * telemetry, and returns the guarded client with health, metrics and close.
 */
import { Cluster } from 'ioredis';
import { BreakerSet } from './breaker/breakers.js';
import { clusterNode, clusterNodeFor } from './client/cluster-routing.js';
import { createClients, endpointOf } from './client/connection.js';
import { Executor } from './client/executor.js';
import { createGuardedClient, type ResilientClient } from './client/guarded-client.js';
import { ConnectionPool, type ConnectionSource, PinnedSource } from './client/pool.js';
import { type Clock, systemClock } from './clock.js';
import { classifyError, isFailure } from './errors/classify.js';
import {
  type Cache,
  createFallbacks,
  type SessionStore,
  type StreamQueue,
  type WithFallback,
} from './fallback/index.js';
import { type HealthReport, healthReport } from './health.js';
import type { Instrumentation } from './instrumentation.js';
import { safeLog } from './logger.js';
import { type ResilienceOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { RetryBudget } from './retry/budget.js';
import { type MetricsHandler, metricsHandler } from './telemetry/http.js';
import { startSlowlogPoller } from './telemetry/slowlog.js';
import { createTelemetry, type TelemetryInternals } from './telemetry/telemetry.js';

export interface RedisResilience {
  /** ioredis-compatible commands, each guarded by retry, breaker, timeout and the bounded offline queue. */
  readonly client: ResilientClient;
  /** Cache-aside: `getOrLoad(key, loader, { ttlSeconds })` falls back to the loader when Redis is unavailable. */
  readonly cache: Cache;
  /** An express-session Store with an in-memory fallback and write-back (created on first use; needs express-session). */
  readonly sessions: SessionStore;
  /** Redis Streams producer with a durable local spool (created on first use). */
  readonly queue: StreamQueue;
  /** `withFallback(name, primary, fallback)`: run `fallback` when `primary` finds Redis unavailable. */
  readonly withFallback: WithFallback;
  /** Readiness: ok, degraded (Redis impaired, failing fast or falling back) or down (closed). */
  health(): Promise<HealthReport>;
  /** Prometheus exposition text of this instance's registry ('openmetrics' adds exemplars). */
  metrics(format?: 'prometheus' | 'openmetrics'): Promise<string>;
  /**
   * A `/metrics` handler for node:http, Express or Fastify (`(req, res) => …` on the raw objects):
   * `app.get('/metrics', rr.metricsHandler)` in Express, `fastify.get('/metrics', rr.metricsHandler)` in Fastify.
   * Content negotiation serves OpenMetrics (with exemplars) when the scraper asks for it.
   */
  readonly metricsHandler: MetricsHandler;
  /** Where the built-in listener is bound when `metrics.port` is set, once it is listening. */
  metricsServerAddress(): { port: number; address: string } | undefined;
  /**
   * Lease a connection exclusively for blocking commands, WATCH/MULTI or pub/sub. `conn` is a guarded client
   * pinned to that connection (`conn.raw` is the ioredis client). Waits at most `pool.acquireTimeoutMs`, then
   * rejects with PoolTimeoutError. A pool of one lends a dedicated connection, so shared traffic never stalls.
   */
  withConnection<T>(fn: (conn: ResilientClient) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
  /** Flush telemetry, disconnect, stop timers. Idempotent. */
  close(): Promise<void>;
  /** The options in force after defaults. */
  readonly options: Readonly<ResolvedOptions>;
}

/** Internal seams for tests: an injected clock and random source. Not part of the public options. */
export interface InitInternals {
  clock?: Clock;
  random?: () => number;
  /** Replaces telemetry's Instrumentation (metrics and spans are then not recorded). */
  instrumentation?: Instrumentation;
  telemetry?: TelemetryInternals;
}

export function init(options: ResilienceOptions = {}, internals: InitInternals = {}): RedisResilience {
  const opts = resolveOptions(options);
  const clock = internals.clock ?? systemClock;
  const connectionConfig = { ...opts.timeouts, ...opts.queue };
  const clients = createClients(opts.redis, connectionConfig, opts.pool.size);
  const telemetry = createTelemetry(opts, endpointOf(clients[0]!.client), internals.telemetry);
  const instrumentation = internals.instrumentation ?? telemetry.instrumentation;
  const pool = new ConnectionPool(clients, connectionConfig, instrumentation, clock, opts.clientName);
  const redis = pool.primary.client;

  const breakers = new BreakerSet(opts.breaker, {
    probe: (node) => probe(node),
    isFailure: (err) => isFailure(classifyError(err)),
    // Telemetry counts and logs each transition.
    onTransition: (t) => instrumentation.breakerTransition(t),
  });
  const budget = opts.retry.budget ? new RetryBudget(opts.retry.budget, clock) : undefined;
  const executorFor = (connections: ConnectionSource) =>
    new Executor(opts, {
      connections,
      breakerFor:
        redis instanceof Cluster
          ? (spec) => breakers.get(clusterNodeFor(redis, spec.operation, spec.args))
          : () => defaultBreaker,
      budget,
      instrumentation,
      clock,
      ...(internals.random && { random: internals.random }),
    });
  const defaultBreaker = breakers.get('default');
  const executor = executorFor(pool);
  const idempotentWrites = opts.retry.idempotentWrites;
  const client = createGuardedClient({ executor, redis: () => redis, idempotentWrites });

  const fallbacks = createFallbacks({
    client,
    instrumentation,
    // Cluster has a breaker per node: let each call find out rather than skip Redis for every key on one flag.
    ...(redis instanceof Cluster ? {} : { breakerOpen: () => defaultBreaker.state !== 'closed' }),
    options: opts.fallbacks,
  });

  /** The half-open probe: one PING with the connect and reply bounds, no retries, outside the breaker. */
  async function probe(node: string): Promise<unknown> {
    const target = redis instanceof Cluster && node !== 'default' ? clusterNode(redis, node) : undefined;
    if (target) return await withTimeout(target.ping(), opts.timeouts.commandMs, clock);
    let conn = pool.pick();
    if (!conn) {
      await pool.waitReady('ping', opts.timeouts.connectMs);
      conn = pool.pick() ?? pool.primary;
    }
    return await withTimeout(conn.client.ping(), opts.timeouts.commandMs, clock);
  }

  async function withConnection<T>(fn: (conn: ResilientClient) => Promise<T>, o: { timeoutMs?: number } = {}) {
    const timeoutMs = o.timeoutMs ?? opts.pool.acquireTimeoutMs;
    const waitStart = clock.now();
    // A pool of one keeps its connection for shared traffic and lends a connection made for this lease.
    const lender = pool.lendsDedicated
      ? new ConnectionPool(
          createClients(redis, connectionConfig, 2).slice(1),
          connectionConfig,
          instrumentation,
          clock,
          `${opts.clientName}:lease`,
        )
      : pool;
    try {
      const conn = lender === pool ? await pool.acquire(timeoutMs) : lender.primary;
      try {
        if (!conn.ready) await lender.waitReady('withConnection', timeoutMs - (clock.now() - waitStart), conn);
        const useStart = clock.now();
        instrumentation.poolWait(opts.clientName, (useStart - waitStart) / 1000);
        const pinned = createGuardedClient({
          executor: executorFor(new PinnedSource(lender, conn)),
          redis: () => conn.client,
          idempotentWrites,
        });
        try {
          return await fn(pinned);
        } finally {
          instrumentation.poolUse(opts.clientName, (clock.now() - useStart) / 1000);
        }
      } finally {
        // Whatever happened after the lease was granted (Redis down, fn threw), give the connection back.
        if (lender === pool) pool.release(conn);
      }
    } finally {
      if (lender !== pool) await lender.close();
    }
  }

  const slowlog =
    opts.slowlog &&
    startSlowlogPoller({
      redis: { call: (cmd, ...args) => redis.call(cmd, ...args) },
      intervalMs: opts.slowlog.intervalMs,
      onEntry: (e) => instrumentation.slowCommand(e.command, e.durationMicros, e.timestamp),
    });
  telemetry
    .startServer()
    .catch((err: unknown) =>
      safeLog(opts.logger, 'error', { client: opts.clientName, err: String(err) }, 'metrics listener failed to start'),
    );

  let closing: Promise<void> | undefined;
  return {
    client,
    options: opts,
    async health() {
      return healthReport({
        closed: closing !== undefined,
        connectionStatus: pool.status,
        lastErrorType: pool.lastConnectionErrorType,
        breakers: breakers.all(),
        offlineLength: pool.offlineLength,
        maxOffline: opts.queue.maxOffline,
        queue: fallbacks.queueHealth(),
      });
    },
    cache: fallbacks.cache,
    get sessions() {
      return fallbacks.sessions;
    },
    get queue() {
      return fallbacks.queue;
    },
    withFallback: fallbacks.withFallback,
    metrics: (format = 'prometheus') => telemetry.metrics(format),
    metricsHandler: metricsHandler(telemetry),
    metricsServerAddress: () => telemetry.serverAddress(),
    withConnection,
    close() {
      closing ??= (async () => {
        // Stop replay and write-back first, while the client still accepts their calls.
        fallbacks.close();
        executor.close();
        breakers.shutdown();
        if (slowlog) slowlog.stop();
        await pool.close();
        await telemetry.close();
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
