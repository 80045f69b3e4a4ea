/**
 * Typed errors with stable codes. Messages name the operation and the failure, never a key, value or password.
 * Guards use a global symbol brand rather than `instanceof`, so they hold across the ESM and CJS copies of this package.
 */
import { safeCause } from './redact.js';
import { ERROR_BRAND as BRAND, type ErrorCode, type ErrorType, UNAVAILABLE_CODES } from './types.js';

export type { ErrorCode } from './types.js';
export { UNAVAILABLE_CODES } from './types.js';

export class RedisResilienceError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: code, enumerable: false });
  }
}

export interface UnavailableDetails {
  /** Lower-case command name, or `pipeline` / `multi`. Never the key. */
  operation: string;
  /** Bounded error type from the classifier (refused, timeout, reset, dns, …). */
  errorType: ErrorType;
  /** Physical attempts made, 0 when the call was rejected before any. */
  attempts: number;
  /** false when the command was provably never handed to Redis (so it will never run). */
  sent?: boolean;
  /** The error behind it; rebuilt without secrets (see redact.ts) before it is attached. */
  cause?: unknown;
  /** A pipeline or MULTI: ioredis's `[error, result]` per entry (connection failures as typed errors). */
  results?: ReadonlyArray<readonly [Error | null, unknown]>;
  /** false when another attempt cannot help (Redis was never reached with these settings). */
  retryable?: boolean;
}

/** Redis could not serve the call: the family a fallback catches. */
export class RedisUnavailableError extends RedisResilienceError {
  readonly operation: string;
  readonly errorType: ErrorType;
  readonly attempts: number;
  /** false when the command was provably never handed to Redis; undefined when unknown. */
  readonly sent: boolean | undefined;
  /**
   * Pipelines and MULTI only: each entry's `[error, result]`, as ioredis gives them, with entries lost to the
   * connection holding a typed RedisUnavailableError. Entries whose reply arrived keep it.
   */
  declare readonly results?: ReadonlyArray<readonly [Error | null, unknown]>;
  /** false when another attempt cannot help now, e.g. Redis has never been reached with these settings. */
  declare readonly retryable?: boolean;

  constructor(message: string, details: UnavailableDetails, code: ErrorCode = 'ERR_REDIS_UNAVAILABLE') {
    super(code, message, details.cause === undefined ? undefined : { cause: safeCause(details.cause) });
    this.operation = details.operation;
    this.errorType = details.errorType;
    this.attempts = details.attempts;
    this.sent = details.sent;
    if (details.results) this.results = details.results;
    if (details.retryable === false) this.retryable = false;
  }
}

export class CircuitOpenError extends RedisUnavailableError {
  readonly state: 'open' | 'half_open';
  /** Which breaker rejected: `default`, or a cluster node address. */
  readonly node: string;
  /** The error type of the last failure the breaker counted before it opened (why it is open). */
  readonly lastErrorType: ErrorType | undefined;

  /** `last`: the last failure counted before it opened; it becomes the `cause`, so logs say why. */
  constructor(
    operation: string,
    state: 'open' | 'half_open',
    node: string,
    last?: { error: unknown; type: ErrorType },
  ) {
    const why = last ? ` after ${last.type} failures` : '';
    super(
      `${operation.toUpperCase()} rejected: circuit breaker is ${state === 'open' ? 'open' : 'half-open (probing)'}${why}`,
      { operation, errorType: 'circuit_open', attempts: 0, sent: false, ...(last && { cause: last.error }) },
      'ERR_CIRCUIT_OPEN',
    );
    this.state = state;
    this.node = node;
    this.lastErrorType = last?.type;
  }
}

/** The command was sent and no reply came in time: it may or may not have run. */
export class CommandTimeoutError extends RedisUnavailableError {
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number) {
    super(
      `${operation.toUpperCase()} timed out after ${timeoutMs} ms waiting for a reply`,
      { operation, errorType: 'timeout', attempts: 1, sent: true },
      'ERR_COMMAND_TIMEOUT',
    );
    this.timeoutMs = timeoutMs;
  }
}

export class OfflineQueueFullError extends RedisUnavailableError {
  readonly maxOffline: number;

  constructor(operation: string, maxOffline: number, cause?: unknown) {
    super(
      `${operation.toUpperCase()} rejected: offline queue is full (${maxOffline} commands waiting for a connection)`,
      { operation, errorType: 'queue_full', attempts: 0, sent: false, cause },
      'ERR_OFFLINE_QUEUE_FULL',
    );
    this.maxOffline = maxOffline;
  }
}

export class RetriesExhaustedError extends RedisUnavailableError {
  constructor(
    operation: string,
    attempts: number,
    errorType: ErrorType,
    reason: string,
    cause: unknown,
    results?: UnavailableDetails['results'],
  ) {
    super(
      `${operation.toUpperCase()} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${errorType} (${reason})`,
      { operation, errorType, attempts, cause, ...(results && { results }) },
      'ERR_RETRIES_EXHAUSTED',
    );
  }
}

export class ClientClosedError extends RedisUnavailableError {
  constructor(operation: string) {
    super(
      `${operation.toUpperCase()} rejected: the client was closed`,
      { operation, errorType: 'closed', attempts: 0, sent: false },
      'ERR_CLIENT_CLOSED',
    );
  }
}

/** `withConnection` could not get a connection in time. */
export class PoolTimeoutError extends RedisUnavailableError {
  readonly pool: string;
  readonly timeoutMs: number;

  constructor(pool: string, timeoutMs: number, reason?: string) {
    super(
      reason
        ? `withConnection rejected: ${reason}`
        : `withConnection timed out after ${timeoutMs} ms waiting for a free pool connection`,
      { operation: 'withConnection', errorType: 'timeout', attempts: 0, sent: false },
      'ERR_POOL_TIMEOUT',
    );
    this.pool = pool;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A command `rr.client` will not run on a pool of more than one connection: it changes the state of the one
 * connection it runs on (WATCH, SELECT, MULTI without a pipeline), and the commands after it may go to another.
 * A usage error, not an unavailable Redis: fallbacks do not catch it. The message names what to use instead.
 */
export class UnsupportedCommandError extends RedisResilienceError {
  readonly operation: string;

  constructor(operation: string, message: string) {
    super('ERR_UNSUPPORTED_COMMAND', message);
    this.operation = operation;
  }
}

export class InvalidOptionsError extends RedisResilienceError {
  /** Dotted path of the first bad option, e.g. `retry.maxAttempts`. */
  readonly field: string;
  readonly issues: readonly string[];

  constructor(field: string, issues: readonly string[]) {
    super('ERR_INVALID_OPTIONS', `Invalid redis-resilience options: ${issues.join('; ')}`);
    this.field = field;
    this.issues = issues;
  }
}

function brandOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as Record<symbol, string | undefined>)[BRAND] : undefined;
}

export const isRedisResilienceError = (e: unknown): e is RedisResilienceError => brandOf(e) !== undefined;
export const isRedisUnavailableError = (e: unknown): e is RedisUnavailableError =>
  UNAVAILABLE_CODES.has(brandOf(e) ?? '');
export const isCircuitOpenError = (e: unknown): e is CircuitOpenError => brandOf(e) === 'ERR_CIRCUIT_OPEN';
export const isCommandTimeoutError = (e: unknown): e is CommandTimeoutError => brandOf(e) === 'ERR_COMMAND_TIMEOUT';
export const isOfflineQueueFullError = (e: unknown): e is OfflineQueueFullError =>
  brandOf(e) === 'ERR_OFFLINE_QUEUE_FULL';
export const isRetriesExhaustedError = (e: unknown): e is RetriesExhaustedError =>
  brandOf(e) === 'ERR_RETRIES_EXHAUSTED';
export const isPoolTimeoutError = (e: unknown): e is PoolTimeoutError => brandOf(e) === 'ERR_POOL_TIMEOUT';
export const isInvalidOptionsError = (e: unknown): e is InvalidOptionsError => brandOf(e) === 'ERR_INVALID_OPTIONS';
export const isUnsupportedCommandError = (e: unknown): e is UnsupportedCommandError =>
  brandOf(e) === 'ERR_UNSUPPORTED_COMMAND';
