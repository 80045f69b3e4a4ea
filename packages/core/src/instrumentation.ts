/**
 * The seam between the resilience policies and telemetry. The executor reports each decision here; telemetry
 * (metrics, spans, logs) implements it. Every method must be cheap and must never throw into a Redis call:
 * implementations guard themselves.
 */
import type { BreakerTransition } from './breaker/breaker.js';
import type { ConnectionErrorType, ErrorType } from './errors/classify.js';
import type { FallbackType, Outcome, SessionDropReason } from './telemetry/catalog.js';

/** Where commands go; used for semconv attributes (`server.address`, `server.port`, `db.namespace`). */
export interface Endpoint {
  address: string;
  port: number | undefined;
  db: number;
}

export interface CallTracker {
  /**
   * One physical attempt ended. `startedAt`/`endedAt` are `performance.now()` milliseconds. `errorType` is
   * undefined on success. Called for every attempt, the only one included.
   */
  attemptEnd(
    attempt: number,
    startedAt: number,
    endedAt: number,
    errorType: ErrorType | undefined,
    /** ms this attempt waited for a connection (offline queue or lease), when it waited. */
    waitMs?: number,
  ): void;
  /** A retry was scheduled after `attempt` failed with `errorType`, to run after `delayMs`. */
  retry(attempt: number, delayMs: number, errorType: ErrorType): void;
  /** The breaker rejected the call without an attempt. */
  rejected(state: 'open' | 'half_open', node: string): void;
  /** A fallback served (or failed to serve) this call. */
  fallback(type: FallbackType, reason: string, served: boolean): void;
  /** The logical call ended; `attempts` is how many physical attempts ran. */
  end(outcome: Outcome, attempts: number, error?: unknown): void;
  /** Run `fn` with this call's span active, so that calls made inside it (a fallback's loader) become children. */
  runInContext<T>(fn: () => T): T;
}

export interface Instrumentation {
  /** A logical call starts. `args` is only read when redacted query text is enabled; never record values. */
  startCall(operation: string, args: readonly unknown[]): CallTracker;
  breakerTransition(t: BreakerTransition): void;
  connectionStatus(status: string): void;
  connectionError(type: ConnectionErrorType, err: unknown): void;
  /** A lost connection was re-established (`client_reconnects_total`): attempts during an outage do not count. */
  reconnected(): void;
  offlineQueueLength(length: number): void;
  retryBudgetExhausted(operation: string): void;
  /** cache.getOrLoad outcome, for `cache_requests_total`. */
  cacheResult(result: 'hit' | 'miss' | 'fallback'): void;
  /** A fallback ran because Redis was unavailable (`fallback_invocations_total`); `reason` is a bounded errorType. */
  fallbackInvoked(type: FallbackType, reason: string, served: boolean): void;
  /** Messages now waiting in the durable spool for `stream` (`queue_spooled_messages`). */
  queueSpooled(stream: string, depth: number): void;
  /** Spooled messages written to Redis on replay (`queue_replayed_total`). */
  queueReplayed(stream: string, count: number): void;
  /** Spooled messages given up on and moved to the dead-letter stream (`queue_dead_lettered_total`). */
  queueDeadLettered(stream: string, count: number): void;
  /** Session writes waiting in memory for Redis to acknowledge them (`session_pending_writebacks`). */
  sessionPending(count: number): void;
  /** `entries` pending session writes sent in a write-back failed with `errorType` (`session_writeback_failures_total`). */
  sessionWriteBackFailed(errorType: ErrorType, entries: number): void;
  /** Pending session writes given up without reaching Redis (`session_writeback_dropped_total`); logged as a warning. */
  sessionDropped(reason: SessionDropReason, count: number): void;
  /** A pool exists; its gauges (`db_client_connection_count|max|pending_requests`) are read from `stats` at scrape. */
  registerPool(pool: string, stats: () => { max: number; used: number; idle: number; pending: number }): void;
  /** A pool connection became ready, `seconds` after it started connecting. */
  poolConnectionCreated(pool: string, seconds: number): void;
  /** A lease waited this long for a connection. */
  poolWait(pool: string, seconds: number): void;
  /** A lease held its connection this long. */
  poolUse(pool: string, seconds: number): void;
  /** A lease gave up waiting. */
  poolTimeout(pool: string): void;
  /** Sentinel moved the master: the client now talks to a different server. */
  failover(from: string, to: string): void;
  /** The SLOWLOG poller found a new entry: bounded command name, server-side duration, unix time in seconds. */
  slowCommand(command: string, durationMicros: number, timestamp: number): void;
}

/** A tracker that records nothing: for calls no telemetry follows. */
export const noopTracker: CallTracker = {
  attemptEnd() {},
  retry() {},
  rejected() {},
  fallback() {},
  end() {},
  runInContext: (fn) => fn(),
};

export const noopInstrumentation: Instrumentation = {
  startCall: () => noopTracker,
  breakerTransition() {},
  connectionStatus() {},
  connectionError() {},
  reconnected() {},
  offlineQueueLength() {},
  retryBudgetExhausted() {},
  cacheResult() {},
  fallbackInvoked() {},
  queueSpooled() {},
  queueReplayed() {},
  queueDeadLettered() {},
  sessionPending() {},
  sessionWriteBackFailed() {},
  sessionDropped() {},
  registerPool() {},
  poolConnectionCreated() {},
  poolWait() {},
  poolUse() {},
  poolTimeout() {},
  failover() {},
  slowCommand() {},
};
