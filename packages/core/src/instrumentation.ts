/**
 * The seam between the resilience policies and telemetry. A call reports through its CallTracker; everything else
 * is one typed event. Telemetry (metrics, spans, logs, the public `rr.events`) implements it, and guards every
 * entry point once: a telemetry failure goes to `diag`, never into the Redis call that reported it.
 */
import type { BreakerTransition, ProbeResult } from './breaker/state.js';
import type { ConnectionErrorType, ErrorType } from './errors/types.js';

/** Where commands go; used for semconv attributes (`server.address`, `server.port`, `db.namespace`). */
export interface Endpoint {
  address: string;
  port: number | undefined;
  db: number;
}

export const OUTCOMES = ['success', 'command_error', 'failure', 'rejected', 'fallback'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const FALLBACK_TYPES = ['cache_aside', 'session_store', 'queue_spool', 'custom'] as const;
export type FallbackType = (typeof FALLBACK_TYPES)[number];

/** Why a queue spool file was moved aside. */
export const SPOOL_DAMAGE_REASONS = ['corrupt', 'truncated', 'not_a_database', 'emptied'] as const;
export type SpoolDamageReason = (typeof SPOOL_DAMAGE_REASONS)[number];

/** What a failed replay pass met in the spool. */
export const REPLAY_FAILURE_REASONS = ['corrupt', 'disk_full', 'io', 'read_only', 'other'] as const;
export type ReplayFailureReason = (typeof REPLAY_FAILURE_REASONS)[number];

/** Why a pending session write left memory without reaching Redis. */
export const SESSION_DROP_REASONS = ['evicted', 'command_error', 'closed'] as const;
export type SessionDropReason = (typeof SESSION_DROP_REASONS)[number];

/** A damaged queue spool file was moved aside and the queue went on with a fresh one (fallback/spool-recovery.ts). */
export interface SpoolQuarantine {
  /** The spool path; the fresh spool lives there now. */
  readonly path: string;
  /** Where the damaged file went (its -wal and -shm, if any, beside it with the same suffixes). */
  readonly quarantinedAs: string;
  readonly reason: SpoolDamageReason;
  /** What SQLite or the check reported: fixed texts, never message content. */
  readonly detail: string;
  /** Messages copied into the fresh spool, order and attempts kept. */
  readonly salvaged: number;
  /** Messages the damaged file's index still names but whose rows could not be read: lost. */
  readonly unreadable: number;
  /** What found the damage. */
  readonly during: 'open' | 'publish' | 'replay';
}

export interface CallTracker {
  /**
   * One physical attempt ended (every attempt, the only one included). Times are the injected clock's ms.
   * `errorType` is undefined on success.
   */
  attemptEnd(attempt: number, startedAt: number, endedAt: number, errorType: ErrorType | undefined): void;
  /** A retry was scheduled after `attempt` failed with `errorType`, to run after `delayMs`. */
  retry(attempt: number, delayMs: number, errorType: ErrorType): void;
  /** The breaker rejected the call without an attempt. */
  rejected(state: 'open' | 'half_open', node: string): void;
  /** A fallback served (or failed to serve) this call: the span event, the counter and the user event in one. */
  fallback(type: FallbackType, reason: string, served: boolean): void;
  /** The logical call ended; `attempts` is how many physical attempts ran. `endedAt` defaults to now. */
  end(outcome: Outcome, attempts: number, error?: unknown, endedAt?: number): void;
  /** Run `fn` with this call's span active, so that calls made inside it (a fallback's loader) become children. */
  runInContext<T>(fn: () => T): T;
  /**
   * Hand one attempt to the driver: `send(client)`, with tracing suppressed while this call is traced, so that a
   * driver instrumentation (instrumentation-ioredis) adds no second CLIENT span for the same round trip.
   */
  sendAttempt<C, R>(target: { send(client: C): R }, client: C): R;
}

/** Connection pool usage, read at scrape time. */
export interface PoolStats {
  max: number;
  used: number;
  idle: number;
  pending: number;
}

/** Everything reported outside a call, by name. */
export interface TelemetryEvents {
  breakerTransition: BreakerTransition;
  breakerProbe: ProbeResult;
  connectionStatus: { status: string };
  connectionError: { type: ConnectionErrorType; error: unknown };
  /** A lost connection was re-established (`client_reconnects_total`): attempts during an outage do not count. */
  reconnected: Record<string, never>;
  offlineQueueLength: { length: number };
  retryBudgetExhausted: { operation: string };
  /** cache.getOrLoad outcome, for `cache_requests_total`. */
  cacheResult: { result: 'hit' | 'miss' | 'fallback' };
  /** Messages now waiting in the durable spool for `stream`. */
  queueSpooled: { stream: string; depth: number };
  queueReplayed: { stream: string; count: number };
  queueDeadLettered: { stream: string; count: number };
  /** A damaged spool file was moved aside (`queue_spool_quarantined_total`, and an error log naming both paths). */
  queueSpoolQuarantined: SpoolQuarantine;
  /** A replay pass met a spool error (`queue_replay_failures_total`, and a rate-limited error log). */
  queueReplayFailed: { reason: ReplayFailureReason; error: unknown };
  /** Session writes waiting in memory for Redis to acknowledge them (`session_pending_writebacks`). */
  sessionPending: { count: number };
  /** Pending session writes a write-back sent that failed with `errorType` (`session_writeback_failures_total`). */
  sessionWriteBackFailed: { errorType: ErrorType; entries: number };
  /** Pending session writes given up without reaching Redis (`session_writeback_dropped_total`); logged as a warning. */
  sessionDropped: { reason: SessionDropReason; count: number };
  poolConnectionCreated: { pool: string; seconds: number };
  poolWait: { pool: string; seconds: number };
  poolUse: { pool: string; seconds: number };
  poolTimeout: { pool: string };
  /** Sentinel moved the master: the client now talks to a different server. */
  failover: { from: string; to: string };
  /** The SLOWLOG poller found a new entry: command name only, server-side duration, unix time in seconds. */
  slowCommand: { command: string; durationMicros: number; timestamp: number };
}

export type TelemetryEvent = keyof TelemetryEvents;

/** A consumer of events: any subset of them, each a method named after the event. */
export type EventSink = { [K in TelemetryEvent]?: (data: TelemetryEvents[K]) => void };

export interface Instrumentation {
  /** A logical call starts. `args` is only read when redacted query text is enabled; never record values. */
  /** `startedAt`: the caller's own clock reading for the call's start, so that the clock is read once per call. */
  startCall(operation: string, args: readonly unknown[], startedAt?: number): CallTracker;
  emit<K extends TelemetryEvent>(event: K, data: TelemetryEvents[K]): void;
  /** A pool exists; its gauges are read from `stats` at scrape. */
  registerPool(pool: string, stats: () => PoolStats): void;
}

/** A tracker that records nothing: for calls no telemetry follows. */
export const noopTracker: CallTracker = {
  attemptEnd() {},
  retry() {},
  rejected() {},
  fallback() {},
  end() {},
  runInContext: (fn) => fn(),
  sendAttempt: (target, client) => target.send(client),
};

export const noopInstrumentation: Instrumentation = {
  startCall: () => noopTracker,
  emit() {},
  registerPool() {},
};
