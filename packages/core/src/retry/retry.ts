/**
 * The retry decision after a failed attempt: another attempt after a backoff delay, or stop and say why. The
 * executor calls it with the attempt's one classification; it never reads an error itself.
 */
import type { Classification } from '../errors/types.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { RetryBudget } from './budget.js';

export interface RetryConfig extends BackoffOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** A whole call, all attempts and delays included, never takes longer. */
  deadlineMs: number;
}

/** Why a failed call is not tried again. */
export type StopReason = 'not_retryable' | 'unsafe' | 'attempts' | 'deadline' | 'budget';

export type RetryVerdict =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: StopReason };

const stop = (reason: StopReason): RetryVerdict => ({ retry: false, reason });

export class RetryPolicy {
  constructor(
    private readonly config: RetryConfig,
    private readonly budget: RetryBudget | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Attempt number `attempt` (one-based) failed as `c`. `retrySafe` is asked only when it matters: a command that
   * may have reached Redis is repeated only when repeating it is harmless.
   */
  next(c: Classification, attempt: number, retrySafe: () => boolean, now: number, deadline: number): RetryVerdict {
    if (!c.retryable) return stop('not_retryable');
    if (attempt >= this.config.maxAttempts) return stop('attempts');
    if (!c.provenNotExecuted && !retrySafe()) return stop('unsafe');
    const delayMs = backoffDelay(attempt, this.config, this.random);
    if (now + delayMs >= deadline) return stop('deadline');
    if (this.budget && !this.budget.tryAcquire()) return stop('budget');
    return { retry: true, delayMs };
  }

  /** Count a logical call toward the retry budget's allowance. */
  recordCall(now: number): void {
    this.budget?.recordCall(now);
  }

  deadline(started: number): number {
    return started + this.config.deadlineMs;
  }
}
