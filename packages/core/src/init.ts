/**
 * `init(options)`: the one call a service makes. The composition root: it validates options, builds the
 * connections, the policies and the telemetry, wires them together, and hands back the guarded client with its
 * fallbacks, health, metrics, events and close.
 */
import { BreakerSet } from './breaker/breakers.js';
import { BreakerGroup } from './breaker/group.js';
import { Attempts } from './client/attempt.js';
import { clusterNodesFor, watchClusterNodes } from './client/cluster-routing.js';
import { createClients, endpointOf } from './client/connection-settings.js';
import { isClusterInstance } from './client/detect.js';
import { Executor } from './client/executor.js';
import type { ResilientClient } from './client/guarded-client.js';
import type { HostContext } from './client/host.js';
import { reportChanges, secureInstance } from './client/instance-safety.js';
import { Owned } from './client/owned.js';
import { ConnectionPool } from './client/pool.js';
import { createProbe } from './client/probe.js';
import { createSharedClient } from './client/shared-client.js';
import { createLeases, type WithConnection } from './client/with-connection.js';
import { WriteCoalescing } from './client/write-coalescing.js';
import { type Clock, systemClock } from './clock.js';
import type { ResilienceEvents } from './events.js';
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
import { type ResilienceOptions, type ResolvedOptions, resolveOptions } from './options/index.js';
import { RetryBudget } from './retry/budget.js';
import { RetryPolicy } from './retry/retry.js';
import { type MetricsHandler, metricsHandler } from './telemetry/http.js';
import { startSlowlogPoller } from './telemetry/slowlog.js';
import { createTelemetry, type TelemetryInternals } from './telemetry/telemetry.js';
import { untraced } from './telemetry/untraced.js';

/** Least time between two half-open probes of one node: a flapping Redis is never stormed with probes. */
const MIN_PROBE_INTERVAL_MS = 1000;

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
  /** Typed events: `rr.events.on('breakerStateChange' | 'retry' | 'rejected' | 'fallback', listener)`. */
  readonly events: ResilienceEvents;
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
  readonly withConnection: WithConnection;
  /**
   * Settle every pending call with ClientClosedError at once, stop replay and write-back, disconnect, stop timers,
   * flush spans (bounded). Idempotent. Nothing it started keeps the process alive afterwards.
   */
  close(): Promise<void>;
  /** The options in force after defaults. */
  readonly options: Readonly<ResolvedOptions>;
}

/** Internal seams for tests: an injected clock and random source, telemetry replaced or given a tracer provider. */
export interface InitInternals {
  clock?: Clock;
  random?: () => number;
  /** Replaces telemetry's Instrumentation: the test records the decisions; metrics and spans are not recorded. */
  instrumentation?: Instrumentation;
  telemetry?: TelemetryInternals;
}

export function init(options: ResilienceOptions = {}, internals: InitInternals = {}): RedisResilience {
  const opts = resolveOptions(options);
  const clock = internals.clock ?? systemClock;
  const random = internals.random ?? Math.random;
  const poolConfig = { connectMs: opts.timeouts.connectMs, maxOffline: opts.queue.maxOffline };
  // An app's own instance runs under our settings too, changed here (before its duplicates copy them) and reported.
  reportChanges(opts.logger, opts.clientName, secureInstance(opts.redis, poolConfig));
  const clients = createClients(opts.redis, poolConfig, opts.pool.size);
  const redis = clients[0]!.client;
  const telemetry = createTelemetry(opts, endpointOf(redis), clock, internals.telemetry);
  const instr = internals.instrumentation ?? telemetry.instrumentation;

  let breakers: BreakerSet | undefined;
  const pool = new ConnectionPool(clients, poolConfig, instr, clock, opts.clientName, () =>
    breakers?.reconnected('default'),
  );
  breakers = new BreakerSet(
    { ...opts.breaker, minProbeIntervalMs: MIN_PROBE_INTERVAL_MS },
    {
      // Our own PINGs (probes, the watchdog) and SLOWLOG polls are no round trips of the app's: never traced.
      probe: untraced(createProbe(pool, redis, opts.timeouts, clock)),
      clock,
      random,
      onTransition: (t) => instr.emit('breakerTransition', t),
      onProbe: (p) => instr.emit('breakerProbe', p),
    },
  );
  const nodes = breakers;
  const defaultBreaker = nodes.get('default');
  // In a cluster each master reports its own reconnects, so its breaker can probe at once.
  const unwatchNodes = isClusterInstance(redis) ? watchClusterNodes(redis, (n) => nodes.reconnected(n)) : undefined;
  const executor = new Executor({
    connections: pool,
    breakerFor: isClusterInstance(redis)
      ? (spec) => {
          const names = clusterNodesFor(redis, spec.operation, spec.args);
          return names.length === 1 ? nodes.get(names[0]!) : new BreakerGroup(names.map((n) => nodes.get(n)));
        }
      : () => defaultBreaker,
    retry: new RetryPolicy(
      opts.retry,
      opts.retry.budget ? new RetryBudget(opts.retry.budget, clock) : undefined,
      random,
    ),
    attempts: new Attempts(
      clock,
      opts.timeouts.commandMs,
      untraced((conn) => conn.suspectStale()),
      opts.pool.coalesceWritesAt === false ? undefined : new WriteCoalescing(opts.pool.coalesceWritesAt),
    ),
    telemetry: instr,
    clock,
    maxWaitMs: opts.queue.maxWaitMs,
  });
  const idempotentWrites = opts.retry.idempotentWrites;
  const owned = new Owned();
  const ctx: HostContext = {
    executor,
    config: poolConfig,
    telemetry: instr,
    clock,
    idempotentWrites,
    poolName: opts.clientName,
    owned,
    quitMs: opts.timeouts.commandMs,
  };
  const leases = createLeases({ pool, ctx, acquireTimeoutMs: opts.pool.acquireTimeoutMs });
  const client = createSharedClient({ ctx, pool, lease: leases.lease, idempotentWrites });

  let closing: Promise<void> | undefined;
  const fallbacks = createFallbacks({
    client,
    instrumentation: instr,
    closed: () => closing !== undefined,
    // Cluster has a breaker per node: let each call find out rather than skip Redis for every key on one flag.
    ...(isClusterInstance(redis) ? {} : { breakerOpen: () => defaultBreaker.state !== 'closed' }),
    options: opts.fallbacks,
  });

  const slowlog =
    opts.slowlog &&
    startSlowlogPoller({
      redis: { call: untraced((cmd: string, ...args: (string | number)[]) => redis.call(cmd, ...args)) },
      intervalMs: opts.slowlog.intervalMs,
      onEntry: (e) =>
        instr.emit('slowCommand', { command: e.command, durationMicros: e.durationMicros, timestamp: e.timestamp }),
    });
  telemetry
    .startServer()
    .catch((err: unknown) =>
      safeLog(opts.logger, 'error', { client: opts.clientName, err: String(err) }, 'metrics listener failed to start'),
    );

  return {
    client,
    options: opts,
    events: telemetry.events,
    async health() {
      return healthReport({
        closed: closing !== undefined,
        connectionStatus: pool.status,
        lastErrorType: pool.lastConnectionErrorType,
        breakers: nodes.all(),
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
    withConnection: leases.withConnection,
    close() {
      closing ??= (async () => {
        // Stop replay and write-back first, then settle every pending call at once, then let go of the sockets.
        fallbacks.close();
        executor.close();
        nodes.shutdown();
        unwatchNodes?.();
        if (slowlog) slowlog.stop();
        // The subscriber, duplicates, MONITOR connections and event relays made since init go with the pool.
        await Promise.all([owned.close(), pool.close()]);
        await telemetry.close();
      })();
      return closing;
    },
  };
}
