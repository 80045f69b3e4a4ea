/**
 * Runs one logical call through the policies, outermost first: retry (with budget and deadline) → circuit breaker →
 * bounded wait for a connection → per-attempt timeout → ioredis. Command errors pass through untouched.
 *
 * The success path is kept to one breaker call, one reply-timeout entry and one promise wrapper: it runs for
 * every command. Retry-safety is only worked out when an attempt has failed.
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
import type { Connection, RedisClient } from './connection.js';
import type { ConnectionSource } from './pool.js';
import { TimeoutQueue } from './timeout-queue.js';

export interface CallSpec<T> {
  /** Lower-case command name, or `pipeline` / `multi`. */
  operation: string;
  args: readonly unknown[];
  /** Whether sending the call twice is harmless; asked only after a failure. */
  isRetrySafe: () => boolean;
  /** For blocking commands: how long the server may block (ms); 0 = forever, so no reply timeout applies. */
  blockMs?: number | undefined;
  /** Hands the command to ioredis on a ready connection. */
  send: (redis: RedisClient) => Promise<T>;
}

export interface ExecutorDeps {
  connections: ConnectionSource;
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
  private readonly commandMs: number;
  private readonly maxWaitMs: number;
  private readonly timeouts: TimeoutQueue;

  constructor(
    options: Pick<ResolvedOptions, 'retry' | 'timeouts' | 'queue'>,
    private readonly deps: ExecutorDeps,
  ) {
    this.retry = options.retry;
    this.commandMs = options.timeouts.commandMs;
    this.maxWaitMs = options.queue.maxWaitMs;
    this.timeouts = new TimeoutQueue(deps.clock);
  }

  close(): void {
    this.closed = true;
    this.timeouts.clear();
  }

  run<T>(spec: CallSpec<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ClientClosedError(spec.operation));
    const { clock, budget, instrumentation, connections } = this.deps;
    const started = clock.now();
    const tracker = instrumentation.startCall(spec.operation, spec.args);
    budget?.recordCall(started);
    const deadline = started + this.retry.deadlineMs;
    const breaker = this.deps.breakerFor(spec as CallSpec<unknown>);
    const rejection = breaker.admit(spec.operation);
    const connection = rejection ? undefined : connections.pick();
    if (!connection || spec.blockMs !== undefined) {
      // Rejected, no connection yet, or a blocking command: the general path.
      const first = rejection
        ? Promise.reject(rejection)
        : breaker.execute(spec.operation, () => this.attempt(spec, deadline, started));
      return first.then(
        (value) => {
          tracker.attemptEnd(1, started, clock.now(), undefined);
          tracker.end('success', 1);
          return value;
        },
        (err: unknown) => this.afterFailure(spec, breaker, tracker, deadline, err, started),
      );
    }
    // The common case in one promise: ready connection, breaker closed, standard reply timeout.
    connection.inflight++;
    const promise = spec.send(connection.client);
    const timeoutMs = Math.max(1, Math.min(this.commandMs, deadline - started));
    return new Promise<T>((resolve, reject) => {
      let failed: unknown;
      const onTimeout = () => {
        promise.catch(noop);
        connection.inflight--;
        connections.suspectStale(connection);
        failed = new CommandTimeoutError(spec.operation, Math.round(timeoutMs));
        fail(failed);
      };
      const fail = (err: unknown) => {
        breaker
          .recordFailure(err)
          .then(() => this.afterFailure(spec, breaker, tracker, deadline, err, started))
          .then(resolve, reject);
      };
      const at = started + timeoutMs;
      const queued = timeoutMs === this.commandMs && at >= this.timeouts.lastAt;
      const entry = queued ? this.timeouts.add(at, onTimeout) : undefined;
      const timer = queued ? undefined : clock.setTimeout(onTimeout, timeoutMs);
      promise.then(
        (value) => {
          if (failed) return;
          connection.inflight--;
          if (entry) this.timeouts.cancel(entry);
          else clock.clearTimeout(timer);
          breaker.recordSuccess();
          tracker.attemptEnd(1, started, clock.now(), undefined);
          tracker.end('success', 1);
          resolve(value);
        },
        (err: unknown) => {
          if (failed) return;
          connection.inflight--;
          if (entry) this.timeouts.cancel(entry);
          else clock.clearTimeout(timer);
          fail(err);
        },
      );
    });
  }

  /** The slow path: classify, then retry while policy, budget and deadline allow. */
  private async afterFailure<T>(
    spec: CallSpec<T>,
    breaker: Breaker,
    tracker: CallTracker,
    deadline: number,
    firstError: unknown,
    firstStarted: number,
  ): Promise<T> {
    const { clock } = this.deps;
    let err = firstError;
    let started = firstStarted;
    for (let attempt = 1; ; attempt++) {
      if (isCircuitOpenError(err)) {
        tracker.rejected(err.state, err.node);
        // A rejection after real attempts still ends a failed call; report those attempts.
        tracker.end(attempt === 1 ? 'rejected' : 'failure', attempt - 1, err);
        throw err;
      }
      const c = classifyError(err);
      tracker.attemptEnd(attempt, started, clock.now(), c.type);
      if (c.category === 'command') {
        tracker.end('command_error', attempt, err);
        throw err;
      }
      const delay = this.retryDelay(spec, c, attempt, deadline);
      if (delay === undefined) {
        const final =
          attempt === 1 ? toUnavailable(spec.operation, err, c) : exhausted(spec.operation, attempt, c, err);
        tracker.end('failure', attempt, final);
        throw final;
      }
      tracker.retry(attempt, delay, c.type);
      if (delay > 0) await new Promise<void>((r) => clock.setTimeout(r, delay));
      started = clock.now();
      try {
        const value = await breaker.execute(spec.operation, () => this.attempt(spec, deadline));
        tracker.attemptEnd(attempt + 1, started, clock.now(), undefined);
        tracker.end('success', attempt + 1);
        return value;
      } catch (e) {
        err = e;
      }
    }
  }

  /** The delay before the next attempt, or undefined when the call must stop here. */
  private retryDelay(
    spec: CallSpec<unknown>,
    c: Classification,
    attempt: number,
    deadline: number,
  ): number | undefined {
    if (this.closed || attempt >= this.retry.maxAttempts || !isRetryableType(c.type)) return undefined;
    // A write that may have reached Redis is retried only when repeating it is harmless.
    if (!c.provenNotExecuted && !spec.isRetrySafe()) return undefined;
    const delay = backoffDelay(attempt, this.retry, this.deps.random);
    if (this.deps.clock.now() + delay >= deadline) return undefined;
    if (this.deps.budget && !this.deps.budget.tryAcquire()) {
      this.deps.instrumentation.retryBudgetExhausted(spec.operation);
      return undefined;
    }
    return delay;
  }

  /** One physical attempt: bounded wait for a connection, then send with a reply timeout. */
  private attempt<T>(spec: CallSpec<T>, deadline: number, now = this.deps.clock.now()): Promise<T> {
    const { connections, clock } = this.deps;
    const connection = connections.pick();
    if (!connection) {
      const wait = Math.min(this.maxWaitMs, deadline - now);
      return connections.waitReady(spec.operation, wait).then(() => this.attempt(spec, deadline));
    }
    connection.inflight++;
    const promise = spec.send(connection.client);
    if (spec.blockMs === 0) return settle(promise, connection);
    const timeoutMs = Math.max(1, Math.min(this.commandMs + (spec.blockMs ?? 0), deadline - now));
    return new Promise<T>((resolve, reject) => {
      const onTimeout = () => {
        // The reply may still arrive later; it is dropped, and its rejection must not go unhandled.
        promise.catch(noop);
        connection.inflight--;
        connections.suspectStale(connection);
        reject(new CommandTimeoutError(spec.operation, Math.round(timeoutMs)));
      };
      const at = now + timeoutMs;
      // Standard timeouts share one ordered queue; the odd one (blocking, deadline-cut) gets its own timer.
      if (timeoutMs === this.commandMs && at >= this.timeouts.lastAt) {
        const entry = this.timeouts.add(at, onTimeout);
        promise.then(
          (v) => {
            if (entry.onTimeout) connection.inflight--;
            this.timeouts.cancel(entry);
            resolve(v);
          },
          (e) => {
            if (entry.onTimeout) connection.inflight--;
            this.timeouts.cancel(entry);
            reject(e);
          },
        );
      } else {
        let pending = true;
        const timer = clock.setTimeout(() => {
          pending = false;
          onTimeout();
        }, timeoutMs);
        promise.then(
          (v) => {
            if (pending) connection.inflight--;
            clock.clearTimeout(timer);
            resolve(v);
          },
          (e) => {
            if (pending) connection.inflight--;
            clock.clearTimeout(timer);
            reject(e);
          },
        );
      }
    });
  }
}

/** No reply timeout (a command that may block forever): only keep the in-flight count right. */
function settle<T>(promise: Promise<T>, connection: Connection): Promise<T> {
  return promise.then(
    (v) => {
      connection.inflight--;
      return v;
    },
    (e: unknown) => {
      connection.inflight--;
      throw e;
    },
  );
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
