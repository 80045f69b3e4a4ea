/** The public options of `init()`: one interface per section, with `@default` on each field. */

import type { MeterProvider } from '@opentelemetry/api';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';
import type { ClusterConfig } from '../client/connection-settings.js';
import type { FallbackOptions } from '../fallback/types.js';
import type { Logger } from '../logger.js';

export interface RetryOptions {
  /** Total attempts per call, the first included. @default 3 */
  maxAttempts?: number;
  /** Delay before the first retry; doubles on each. @default 50 */
  baseDelayMs?: number;
  /** Cap on one retry delay. @default 1000 */
  maxDelayMs?: number;
  /** `full`: uniform in [0, delay]; `equal`: delay/2 + uniform half; `none`: exact. @default 'full' */
  jitter?: 'full' | 'equal' | 'none';
  /** Overall deadline for one call across all attempts and delays. @default 3000 */
  deadlineMs?: number;
  /** Retries stay a bounded fraction of traffic. `false` disables the budget. */
  budget?: false | RetryBudgetOptions;
  /**
   * Write commands safe to repeat. @ioredis/commands has no idempotency flag, so this list is ours.
   * @default ['set','setex','psetex','mset','del','unlink','expire','pexpire','expireat','pexpireat','persist','hset','hmset','hdel','sadd','srem','zrem']
   */
  idempotentWrites?: string[];
}

export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of calls in the window. @default 0.2 */
  ratio?: number;
  /** Retries always allowed per second, so low traffic can still retry. @default 10 */
  minPerSecond?: number;
  /** Sliding window. @default 10000 */
  windowMs?: number;
}

export interface BreakerOptions {
  /** Open when this share of calls in the window failed. @default 50 */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the breaker may open. @default 10 */
  volumeThreshold?: number;
  /** Rolling statistics window. @default 10000 */
  rollingWindowMs?: number;
  /**
   * Time open before the first timer probe. A reconnect probes sooner: as soon as the connection is ready again
   * (at most one probe per second). @default 5000
   */
  resetTimeoutMs?: number;
  /** Cap on the timer probe's delay, which doubles (with jitter) after each failed probe. @default 30000 */
  maxResetTimeoutMs?: number;
  /** Successful PING probes needed in half-open before closing; user calls are rejected meanwhile. @default 1 */
  halfOpenProbes?: number;
  /** `false` turns the breaker off (calls still get retries and timeouts). @default true */
  enabled?: boolean;
}

export interface TimeoutOptions {
  /** TCP + handshake timeout for each connection attempt. @default 2000 */
  connectMs?: number;
  /** Per-attempt reply timeout. Blocking commands get their own block time on top. @default 1000 */
  commandMs?: number;
}

export interface QueueOptions {
  /** Commands allowed to wait for a connection; beyond it calls fail with OfflineQueueFullError. @default 1000 */
  maxOffline?: number;
  /** Longest a command waits for a connection before failing (it is then never sent). @default 1000 */
  maxWaitMs?: number;
}

export interface PoolOptions {
  /** Connections commands are spread across. @default 1 */
  size?: number;
  /** Longest `withConnection` waits for a free connection. @default 1000 */
  acquireTimeoutMs?: number;
  /**
   * Once this many commands await replies on a connection, Redis has work queued: the commands issued in the rest of
   * the same tick are held back and written together, in one syscall, when the tick ends (the socket is corked until
   * then). Below it every command is written at once, as ioredis does. Same order, same bytes; under load about half
   * the client's CPU per command. Standalone and Sentinel connections (a Cluster's node connections are left as they
   * are). `false` writes every command at once. @default 16
   */
  coalesceWritesAt?: number | false;
}

export interface MetricsOptions {
  /** Where metrics are registered. @default a new Registry owned by this instance */
  registry?: Registry;
  /** @default 'redis_resilience_' */
  prefix?: string;
  /** Serve `/metrics` on this port (0 = a free port). @default off */
  port?: number;
  /**
   * Address the built-in listener binds. Loopback by default, so metrics are not published to the network unless
   * asked for: set `'0.0.0.0'` (or `'::'`) for a Prometheus on another host. @default '127.0.0.1'
   */
  host?: string;
  /** Built-in listener: longest wait for a request's headers. @default 5000 */
  headersTimeoutMs?: number;
  /** Built-in listener: longest a whole request may take. At least `headersTimeoutMs`. @default 10000 */
  requestTimeoutMs?: number;
  /** Built-in listener: a connection idle this long (no request yet, or between keep-alive requests) is closed. @default 10000 */
  idleTimeoutMs?: number;
  /** Built-in listener: connections beyond this many open at once are refused (closed at once). @default 64 */
  maxConnections?: number;
  /**
   * Record the catalog through the OpenTelemetry Metrics API too (beside prom-client), on this MeterProvider; `false`
   * keeps metrics on prom-client only. @default the global MeterProvider, once the app has registered one
   */
  meterProvider?: MeterProvider | false;
}

/**
 * Spans go through `@opentelemetry/api` to whatever tracer provider the app registers, before or after `init()`.
 * The core never starts or registers an SDK: an app without one can `import '@redis-resilience/core/register'`.
 */
export interface TracingOptions {
  /** Record `db.query.text` with every argument redacted. @default false */
  dbQueryText?: boolean;
  /**
   * Trace only calls made while a span is active (a request's), like instrumentation-ioredis's option of that name:
   * background work (session write-back, queue replay, SLOWLOG entries) then makes no root spans. @default false
   */
  requireParentSpan?: boolean;
  /**
   * Hand a Redis call's attributes (`db.system.name`, `db.operation.name`, `server.*` …) to the sampler when its span
   * starts, for a sampler that decides by them. Off, they are set right after the span starts: the exported span
   * carries the same attributes, and the SDK checks them once instead of twice. @default false
   */
  samplerAttributes?: boolean;
  /** @deprecated The core starts no SDK any more; `false` is accepted and changes nothing. */
  startSdk?: false;
}

export interface SlowlogOptions {
  /** Poll SLOWLOG every this many ms. */
  intervalMs: number;
}

export interface ResilienceOptions {
  /**
   * A URL, ioredis options (with `sentinels` and `name` for Sentinel), `{ cluster: startupNodes, options? }` for
   * Cluster, or an existing ioredis Redis/Cluster instance. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
   */
  redis?: string | RedisOptions | Redis | Cluster | ClusterConfig;
  /** Service name for telemetry. @default process.env.OTEL_SERVICE_NAME ?? 'redis-resilience' */
  serviceName?: string;
  /** The `client` metric label. @default serviceName */
  clientName?: string;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  timeouts?: TimeoutOptions;
  queue?: QueueOptions;
  pool?: PoolOptions;
  metrics?: false | MetricsOptions;
  tracing?: false | TracingOptions;
  slowlog?: false | SlowlogOptions;
  /** Cache, session store and durable queue spool settings (see docs/fallbacks.md). */
  fallbacks?: FallbackOptions;
  /** pino-compatible logger. @default silent */
  logger?: Logger;
}
