/**
 * Runs one logical call through the policies, outermost first: retry (with budget and deadline) → circuit breaker →
 * bounded wait for a connection → per-attempt timeout → ioredis. Command errors pass through untouched.
 */
import type { Breaker } from '../breaker/breaker.js';
import type { Clock } from '../clock.js';
import { type Classification, classifyError, isRetryableType } from '../errors/classify.js';
import {
  ClientClosedError,
  CommandTimeoutError,
  isCircuitOpenError,
  RedisUnavailableError,
  RetriesExhaustedError,
} from '../errors/errors.js';
import type { CallTracker, Instrumentation } from '../instrumentation.js';
import type { ResolvedOptions } from '../options.js';
import { backoffDelay } from '../retry/backoff.js';
import type { RetryBudget } from '../retry/budget.js';
import type { RetrySafety } from '../retry/idempotency.js';
import type { Connection } from './connection.js';

export interface CallSpec<T> {
  /** Lower-case command name, or `pipeline` / `multi`. */
  operation: string;
  args: readonly unknown[];
  safety: RetrySafety;
  /** For blocking commands: how long the server may block (ms); 0 = forever, so no reply timeout applies. */
  blockMs?: number | undefined;
  /** Hands the command to ioredis. Called only when the connection is ready. */
  send: () => Promise<T>;
}

export interface ExecutorDeps {
  connection: Connection;
  /** Picks the breaker guarding this call (one per cluster node, or the only one). */
  breakerFor: (spec: CallSpec<unknown>) => Breaker;
  budget: RetryBudget | undefined;
  instrumentation: Instrumentation;
  clock: Clock;
  random?: () => number;
}

const noop = () => {};

export class Executor {
  private closed = false;
  private readonly retry: ResolvedOptions['retry'];
  private readonly timeouts: ResolvedOptions['timeouts'];
  private readonly maxWaitMs: number;

  constructor(
    options: Pick<ResolvedOptions, 'retry' | 'timeouts' | 'queue'>,
    private readonly deps: ExecutorDeps,
  ) {
    this.retry = options.retry;
    this.timeouts = options.timeouts;
    this.maxWaitMs = options.queue.maxWaitMs;
  }

  close(): void {
    this.closed = true;
  }

  async run<T>(spec: CallSpec<T>): Promise<T> {
    if (this.closed) throw new ClientClosedError(spec.operation);
    const { clock, budget, instrumentation } = this.deps;
    const tracker = instrumentation.startCall(spec.operation, spec.args);
    budget?.recordCall();
    const deadline = clock.now() + this.retry.deadlineMs;
    const breaker = this.deps.breakerFor(spec as CallSpec<unknown>);
    let attempt = 0;
    for (;;) {
      attempt++;
      const started = clock.now();
      const sent = { value: false };
      try {
        const value = await breaker.execute(spec.operation, () => this.attempt(spec, deadline, sent));
        tracker.attemptEnd(attempt, started, clock.now(), undefined);
        tracker.end('success', attempt);
        return value;
      } catch (err) {
        if (isCircuitOpenError(err)) {
          tracker.rejected(err.state, err.node);
          // A rejection after real attempts is still the end of a failed call; report what those attempts saw.
          tracker.end(attempt === 1 ? 'rejected' : 'failure', attempt - 1, err);
          throw err;
        }
        const c = classifyError(err);
        tracker.attemptEnd(attempt, started, clock.now(), c.type);
        if (c.category === 'command') {
          tracker.end('command_error', attempt, err);
          throw err;
        }
        const delay = this.retryDelay(spec, c, sent.value, attempt, deadline, tracker);
        if (delay === undefined) {
          const final =
            attempt === 1 ? toUnavailable(spec.operation, err, c) : exhausted(spec.operation, attempt, c, err);
          tracker.end('failure', attempt, final);
          throw final;
        }
        tracker.retry(attempt, delay, c.type);
        if (delay > 0) await new Promise<void>((r) => clock.setTimeout(r, delay));
      }
    }
  }

  /** The delay before the next attempt, or undefined when the call must stop here. */
  private retryDelay(
    spec: CallSpec<unknown>,
    c: Classification,
    sent: boolean,
    attempt: number,
    deadline: number,
    tracker: CallTracker,
  ): number | undefined {
    if (this.closed || attempt >= this.retry.maxAttempts || !isRetryableType(c.type)) return undefined;
    // A write that may have reached Redis is retried only when repeating it is harmless.
    if (spec.safety === 'unsafe' && sent && !c.provenNotExecuted) return undefined;
    const delay = backoffDelay(attempt, this.retry, this.deps.random);
    if (this.deps.clock.now() + delay >= deadline) return undefined;
    if (this.deps.budget && !this.deps.budget.tryAcquire()) {
      this.deps.instrumentation.retryBudgetExhausted(spec.operation);
      void tracker;
      return undefined;
    }
    return delay;
  }

  /** One physical attempt: bounded wait for a connection, then send with a reply timeout. */
  private async attempt<T>(spec: CallSpec<T>, deadline: number, sent: { value: boolean }): Promise<T> {
    const { connection, clock } = this.deps;
    if (!connection.ready) {
      await connection.waitReady(spec.operation, Math.min(this.maxWaitMs, deadline - clock.now()));
    }
    sent.value = true;
    const promise = spec.send();
    if (spec.blockMs === 0) return promise;
    const timeoutMs = Math.max(1, Math.min(this.timeouts.commandMs + (spec.blockMs ?? 0), deadline - clock.now()));
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        // The reply may still arrive later; it is dropped, and its rejection must not go unhandled.
        promise.catch(noop);
        connection.suspectStale();
        reject(new CommandTimeoutError(spec.operation, Math.round(timeoutMs)));
      }, timeoutMs);
      promise.then(
        (v) => {
          clock.clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

function toUnavailable(operation: string, err: unknown, c: Classification): RedisUnavailableError {
  if (err instanceof RedisUnavailableError) return err;
  return new RedisUnavailableError(`${operation.toUpperCase()} failed: Redis unavailable (${c.type})`, {
    operation,
    errorType: c.type,
    attempts: 1,
    ...(c.provenNotExecuted && { sent: false }),
    cause: err,
  });
}

function exhausted(operation: string, attempts: number, c: Classification, err: unknown): RetriesExhaustedError {
  const reason = c.category === 'unavailable' ? 'Redis unavailable' : c.category.replace('_', ' ');
  return new RetriesExhaustedError(operation, attempts, c.type, reason, err);
}
