/** Errors of the fallbacks. Branded like the rest (see errors/errors.ts), so guards hold across ESM and CJS copies. */
import { isRedisResilienceError, RedisResilienceError } from '../errors/errors.js';

/** The durable spool is full: this message was NOT stored anywhere, and the caller must decide what to do with it. */
export class SpoolFullError extends RedisResilienceError {
  /** The stream the message was for (an app-defined constant, never data). */
  readonly stream: string;
  readonly maxSpooled: number;

  constructor(stream: string, maxSpooled: number) {
    super(
      'ERR_SPOOL_FULL',
      `queue.publish rejected: the local spool is full (${maxSpooled} messages waiting for Redis); the message was not stored`,
    );
    this.stream = stream;
    this.maxSpooled = maxSpooled;
  }
}

export const isSpoolFullError = (e: unknown): e is SpoolFullError =>
  isRedisResilienceError(e) && e.code === 'ERR_SPOOL_FULL';

/**
 * A `cache.getOrLoad` loader did not settle in time. Every caller waiting on that load gets this error (no key in
 * it: keys may carry data); the next call for the key starts a fresh load. Not a Redis error: no fallback catches it.
 */
export class LoaderTimeoutError extends RedisResilienceError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(
      'ERR_LOADER_TIMEOUT',
      `cache.getOrLoad: the loader did not settle within ${timeoutMs} ms (loaderTimeoutMs); its callers were released and the next call loads afresh`,
    );
    this.timeoutMs = timeoutMs;
  }
}

export const isLoaderTimeoutError = (e: unknown): e is LoaderTimeoutError =>
  isRedisResilienceError(e) && e.code === 'ERR_LOADER_TIMEOUT';
