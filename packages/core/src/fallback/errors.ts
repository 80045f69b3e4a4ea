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
