/**
 * The error vocabulary shared by the classifier, the typed errors and telemetry. No logic lives here, so every
 * other module may import it without a cycle.
 */

export type ErrorCategory =
  /** The connection failed or was never made. Counts against the breaker. */
  | 'connection'
  /** Redis answered but cannot serve right now (LOADING, MASTERDOWN …). The command was not executed. */
  | 'server_transient'
  /** Redis executed the request and reported an error in it (WRONGTYPE, ERR syntax …). Passes through untouched. */
  | 'command'
  /** One of this package's own unavailable errors (circuit open, queue full, timeout …). */
  | 'unavailable'
  | 'unknown';

/** Connection-level error types: the `error_type` label of `connection_errors_total`. */
export const CONNECTION_ERROR_TYPES = ['refused', 'timeout', 'reset', 'dns', 'closed', 'auth', 'tls', 'other'] as const;
export type ConnectionErrorType = (typeof CONNECTION_ERROR_TYPES)[number];

/** Every `errorType` the classifier can return: README's table is checked against this list. */
export const ERROR_TYPES = [
  ...CONNECTION_ERROR_TYPES,
  'max_retries',
  'loading',
  'masterdown',
  'clusterdown',
  'tryagain',
  'readonly',
  'busy',
  'oom',
  'circuit_open',
  'queue_full',
  'command_error',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export interface Classification {
  readonly category: ErrorCategory;
  readonly type: ErrorType;
  /** True when the error proves Redis never executed the command, so even a non-idempotent write may be retried. */
  readonly provenNotExecuted: boolean;
  /** Worth another attempt: the failure is plausibly over by the next try. */
  readonly retryable: boolean;
  /** A failure of Redis that counts against the circuit breaker (not a command error or a write-only refusal). */
  readonly countsAsFailure: boolean;
}

/** The brand our errors carry (a global symbol, so it holds across the ESM and CJS copies of this package). */
export const ERROR_BRAND = Symbol.for('redis-resilience.error');

export type ErrorCode =
  | 'ERR_REDIS_UNAVAILABLE'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_COMMAND_TIMEOUT'
  | 'ERR_OFFLINE_QUEUE_FULL'
  | 'ERR_RETRIES_EXHAUSTED'
  | 'ERR_CLIENT_CLOSED'
  | 'ERR_INVALID_OPTIONS'
  | 'ERR_SPOOL_FULL'
  | 'ERR_LOADER_TIMEOUT'
  | 'ERR_POOL_TIMEOUT'
  | 'ERR_UNSUPPORTED_COMMAND';

/** Codes of the errors that mean "Redis could not serve this call"; a fallback may take over. */
export const UNAVAILABLE_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'ERR_REDIS_UNAVAILABLE',
  'ERR_CIRCUIT_OPEN',
  'ERR_COMMAND_TIMEOUT',
  'ERR_OFFLINE_QUEUE_FULL',
  'ERR_RETRIES_EXHAUSTED',
  'ERR_CLIENT_CLOSED',
  'ERR_POOL_TIMEOUT',
]);
