/**
 * Runs one logical call through the policies, in the order DESIGN.md gives, outermost first:
 * retry (with budget and deadline) → circuit breaker → bounded wait for a connection → per-attempt timeout → ioredis.
 *
 * A `Call` walks those steps for each attempt: admit → connection → send (attempt.ts) → classify once → tell the
 * breaker, the retry policy and telemetry the same classification. The success path costs one promise, one breaker
 * call and one reply-timeout entry; retry-safety is only worked out when an attempt has failed.
 */
import type { CallBreaker } from '../breaker/group.js';
import type { Clock } from '../clock.js';
import { classifyError } from '../errors/classify.js';
import { ClientClosedError, isCircuitOpenError, type RedisUnavailableError } from '../errors/errors.js';
import type { Classification } from '../errors/types.js';
import type { CallTracker, Instrumentation } from '../instrumentation.js';
import type { RetryPolicy } from '../retry/retry.js';
import type { Attempts, CallSpec } from './attempt.js';
import { finalError } from './final-error.js';
import type { ConnectionSource } from './pool.js';

export interface ExecutorDeps {
  connections: ConnectionSource;
  /** Picks the breaker guarding this call (one per cluster node, or the only one). */
  breakerFor: (spec: CallSpec<unknown>) => CallBreaker;
  retry: RetryPolicy;
  attempts: Attempts;
  telemetry: Instrumentation;
  clock: Clock;
  /** Longest an attempt waits for a connection (`queue.maxWaitMs`). */
  maxWaitMs: number;
}

/** What the executors of one instance share: whether it is closed, and its calls between attempts. */
interface Lifecycle {
  closed: boolean;
  /** Calls waiting out a backoff delay, so that close() can settle them at once. */
  readonly sleeping: Set<Call<unknown>>;
}

export class Executor {
  constructor(
    readonly deps: ExecutorDeps,
    private readonly life: Lifecycle = { closed: false, sleeping: new Set() },
  ) {}

  get isClosed(): boolean {
    return this.life.closed;
  }

  get sleeping(): Set<Call<unknown>> {
    return this.life.sleeping;
  }

  /** The same policies on another connection source (a leased connection); closed together with this one. */
  on(connections: ConnectionSource): Executor {
    return new Executor({ ...this.deps, connections }, this.life);
  }

  run<T>(spec: CallSpec<T>): Promise<T> {
    if (this.life.closed) return Promise.reject(new ClientClosedError(spec.operation));
    return new Promise<T>((resolve, reject) => {
      const call = new Call<T>(this, spec, resolve, reject);
      call.attempt(call.startedAt);
    });
  }

  /** Settle every pending call with ClientClosedError now: in flight, between attempts, and (via the pool) waiting. */
  close(): void {
    if (this.life.closed) return;
    this.life.closed = true;
    this.deps.attempts.closeAll();
    for (const call of [...this.life.sleeping]) call.wake(new ClientClosedError(call.spec.operation));
  }
}

class Call<T> {
  private readonly tracker: CallTracker;
  private readonly breaker: CallBreaker;
  private readonly deadline: number;
  readonly startedAt: number;
  private attemptNo = 1;
  /** When the current attempt began, before any wait for a connection. */
  private attemptStarted: number;
  private timer: unknown;

  constructor(
    private readonly ex: Executor,
    readonly spec: CallSpec<T>,
    private readonly resolve: (value: T) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    const { telemetry, clock, retry } = ex.deps;
    const now = clock.now();
    this.tracker = telemetry.startCall(spec.operation, spec.args, now);
    this.startedAt = now;
    this.attemptStarted = now;
    retry.recordCall(now);
    // A blocking command's own block time comes on top: BLPOP k 5 may legitimately take 5 s.
    this.deadline = retry.deadline(now) + (spec.blockMs ?? 0);
    this.breaker = ex.deps.breakerFor(spec as CallSpec<unknown>);
  }

  /**
   * One attempt: the breaker admits it, a connection is found (bounded wait), the command is sent. `startedAt` is
   * given when an attempt begins; after a wait for a connection the same attempt goes on without it.
   */
  attempt(startedAt?: number): void {
    const rejection = this.breaker.admit(this.spec.operation);
    if (rejection) {
      this.rejected(rejection);
      return;
    }
    const { connections, attempts, clock } = this.ex.deps;
    if (startedAt !== undefined) this.attemptStarted = startedAt;
    const conn = connections.pick();
    if (conn) {
      const now = startedAt ?? clock.now();
      attempts.send(conn, this.spec, now, attempts.timeoutFor(this.spec, now, this.deadline), this.done, this.tracker);
      return;
    }
    const wait = Math.min(this.ex.deps.maxWaitMs, this.deadline - clock.now());
    connections.waitReady(this.spec.operation, wait).then(
      () => (this.ex.isClosed ? this.done(false, new ClientClosedError(this.spec.operation)) : this.attempt()),
      (err: unknown) => this.done(false, err),
    );
  }

  /** The attempt settled: a reply, or an error to classify once. */
  private readonly done = (ok: boolean, result: unknown): void => {
    const now = this.ex.deps.clock.now();
    if (ok) {
      this.breaker.success();
      this.tracker.attemptEnd(this.attemptNo, this.attemptStarted, now, undefined);
      this.tracker.end('success', this.attemptNo, undefined, now);
      this.resolve(result as T);
      return;
    }
    const c = classifyError(result);
    this.tracker.attemptEnd(this.attemptNo, this.attemptStarted, now, c.type);
    if (!c.countsAsFailure) {
      // The server answered (a command error, a write-only refusal): that is good news for the breaker.
      this.breaker.success();
      this.afterFailure(result, c, now);
      return;
    }
    // Wait until the breaker has counted it, so that a retry sees the breaker's new state.
    this.breaker
      .failure({ error: result, type: c.type })
      .then(() => this.afterFailure(result, c, this.ex.deps.clock.now()));
  };

  /** Command errors pass through untouched; anything else is retried while policy, budget and deadline allow. */
  private afterFailure(err: unknown, c: Classification, now: number): void {
    if (c.category === 'command') {
      this.finish('command_error', err, now);
      return;
    }
    const { retry, telemetry } = this.ex.deps;
    const verdict =
      this.ex.isClosed || this.spec.once
        ? ({ retry: false, reason: 'not_retryable' } as const)
        : retry.next(c, this.attemptNo, () => this.spec.isRetrySafe(), now, this.deadline);
    if (!verdict.retry) {
      if (verdict.reason === 'budget') telemetry.emit('retryBudgetExhausted', { operation: this.spec.operation });
      this.finish('failure', finalError(this.spec.operation, this.attemptNo, c, err), now);
      return;
    }
    this.tracker.retry(this.attemptNo, verdict.delayMs, c.type);
    this.attemptNo++;
    if (verdict.delayMs <= 0) {
      this.attempt(now);
      return;
    }
    this.ex.sleeping.add(this as Call<unknown>);
    this.timer = this.ex.deps.clock.setTimeout(() => this.wake(), verdict.delayMs);
  }

  /** The backoff delay is over (or close() cut it short with `err`). */
  wake(err?: unknown): void {
    this.ex.sleeping.delete(this as Call<unknown>);
    this.ex.deps.clock.clearTimeout(this.timer);
    if (err === undefined) this.attempt(this.ex.deps.clock.now());
    else this.finish('failure', err, this.ex.deps.clock.now());
  }

  /** The breaker refused the attempt: no attempt is made, and the call ends here. */
  private rejected(err: RedisUnavailableError): void {
    // The stack a log needs is where the app made the call: frames from the caller of `run` on (none when a retry
    // was refused after a backoff, where only timer internals would show).
    Error.captureStackTrace(err, Executor.prototype.run);
    if (isCircuitOpenError(err)) this.tracker.rejected(err.state, err.node);
    // A rejection after real attempts still ends a failed call; report those attempts.
    const attempts = this.attemptNo - 1;
    this.tracker.end(attempts === 0 ? 'rejected' : 'failure', attempts, err, this.ex.deps.clock.now());
    this.reject(err);
  }

  private finish(outcome: 'failure' | 'command_error', err: unknown, now: number): void {
    this.tracker.end(outcome, this.attemptNo, err, now);
    this.reject(err);
  }
}
