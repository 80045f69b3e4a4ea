/**
 * The one Instrumentation: metrics, spans and logs in a single object per instance and a single tracker per call,
 * rather than a chain of wrappers, because it runs on every Redis call. Every entry point is guarded: a telemetry
 * failure goes to `diag` and never into the Redis call that reported it.
 */
import { type Context, context, diag } from '@opentelemetry/api';
import type { BreakerTransition } from '../breaker/breaker.js';
import { type ConnectionErrorType, classifyError, type ErrorType } from '../errors/classify.js';
import { type CallTracker, type Instrumentation, noopTracker } from '../instrumentation.js';
import type { FallbackType, Outcome, SessionDropReason } from './catalog.js';
import type { TelemetryLog } from './logging.js';
import type { Metrics, PoolStats } from './metrics.js';
import { type OperationInfo, operationInfo } from './operations.js';
import type { CallSpan, Spans } from './spans.js';

function report(where: string, err: unknown): void {
  try {
    diag.error(`@redis-resilience/core telemetry: ${where} failed`, err);
  } catch {
    // diag itself is a user-replaceable logger; nothing is left to tell.
  }
}

class CallRecorder implements CallTracker {
  private ended = false;

  constructor(
    private readonly metrics: Metrics | undefined,
    private readonly spans: Spans,
    private readonly op: OperationInfo,
    private readonly startedAt: number,
    private readonly call: CallSpan | undefined,
  ) {}

  attemptEnd(attempt: number, startedAt: number, endedAt: number, errorType: ErrorType | undefined): void {
    try {
      this.metrics?.observeAttempt(this.op.label, this.op.spanName, errorType, (endedAt - startedAt) / 1000);
      // A lone successful attempt is the logical span itself; anything else earns its own span.
      if (this.call && (errorType !== undefined || attempt > 1)) {
        this.spans.attempt(this.call, this.op, attempt, startedAt, endedAt, errorType);
      }
    } catch (err) {
      report('attemptEnd', err);
    }
  }

  retry(attempt: number, delayMs: number, errorType: ErrorType): void {
    try {
      this.metrics?.retry(this.op.label, errorType);
      // `attempt` is the attempt that failed; the retry runs as attempt + 1 after `delay_ms`.
      if (this.call) {
        this.spans.event(this.call, 'retry', { attempt, delay_ms: delayMs, 'error.type': errorType });
      }
    } catch (err) {
      report('retry', err);
    }
  }

  rejected(state: 'open' | 'half_open', node: string): void {
    try {
      if (this.call) this.spans.event(this.call, 'circuit_breaker.rejected', { state, node });
    } catch (err) {
      report('rejected', err);
    }
  }

  /** The span event only: `fallback_invocations_total` is counted by Instrumentation.fallbackInvoked. */
  fallback(type: FallbackType, reason: string, served: boolean): void {
    try {
      if (this.call) this.spans.event(this.call, 'fallback', { type, reason, served });
    } catch (err) {
      report('fallback', err);
    }
  }

  end(outcome: Outcome, attempts: number, error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const endedAt = performance.now();
      const { metrics, call } = this;
      if (metrics) {
        const exemplar = call && this.spans.exemplar(call);
        metrics.observeCall(this.op.label, outcome, (endedAt - this.startedAt) / 1000, exemplar);
        // Only Redis round trips pass through the retry policy; a cache.getOrLoad is counted by its inner calls.
        if (this.op.redis) {
          const ok = outcome === 'success';
          metrics.retryCall(
            attempts > 1
              ? ok
                ? 'success_with_retry'
                : 'failed_with_retry'
              : ok
                ? 'success_without_retry'
                : 'failed_without_retry',
          );
        }
      }
      if (call) {
        const errorType = error === undefined ? undefined : classifyError(error).type;
        this.spans.end(call, outcome, errorType, error, endedAt);
      }
    } catch (err) {
      report('end', err);
    }
  }

  runInContext<T>(fn: () => T): T {
    if (!this.call) return fn();
    let ctx: Context;
    try {
      ctx = this.spans.contextOf(this.call);
    } catch (err) {
      report('runInContext', err);
      return fn();
    }
    // Errors thrown by fn are the caller's own and propagate; only building the context is ours to guard.
    return context.with(ctx, fn);
  }
}

export interface RecorderDeps {
  metrics: Metrics | undefined;
  spans: Spans;
  log: TelemetryLog;
}

export class Recorder implements Instrumentation {
  constructor(private readonly deps: RecorderDeps) {}

  startCall(operation: string, args: readonly unknown[]): CallTracker {
    try {
      const op = operationInfo(operation);
      const startedAt = performance.now();
      return new CallRecorder(
        this.deps.metrics,
        this.deps.spans,
        op,
        startedAt,
        this.deps.spans.start(op, args, startedAt),
      );
    } catch (err) {
      report('startCall', err);
      return noopTracker;
    }
  }

  breakerTransition(t: BreakerTransition): void {
    try {
      this.deps.metrics?.breakerTransition(t.node, t.from, t.to);
      this.deps.log.breakerTransition(t);
    } catch (err) {
      report('breakerTransition', err);
    }
  }

  connectionStatus(status: string): void {
    try {
      this.deps.metrics?.connectionStatus(status);
      this.deps.log.connectionStatus(status);
    } catch (err) {
      report('connectionStatus', err);
    }
  }

  connectionError(type: ConnectionErrorType, err: unknown): void {
    try {
      this.deps.metrics?.connectionError(type);
      this.deps.log.connectionError(type, err);
    } catch (e) {
      report('connectionError', e);
    }
  }

  reconnected(): void {
    try {
      this.deps.metrics?.reconnected();
    } catch (err) {
      report('reconnected', err);
    }
  }

  offlineQueueLength(length: number): void {
    try {
      this.deps.metrics?.offlineQueueLength(length);
    } catch (err) {
      report('offlineQueueLength', err);
    }
  }

  retryBudgetExhausted(operation: string): void {
    try {
      this.deps.metrics?.retryBudgetExhausted(operationInfo(operation).label);
    } catch (err) {
      report('retryBudgetExhausted', err);
    }
  }

  cacheResult(result: 'hit' | 'miss' | 'fallback'): void {
    try {
      this.deps.metrics?.cacheResult(result);
    } catch (err) {
      report('cacheResult', err);
    }
  }

  fallbackInvoked(type: FallbackType, reason: string, served: boolean): void {
    try {
      this.deps.metrics?.fallback(type, reason, served);
    } catch (err) {
      report('fallbackInvoked', err);
    }
  }

  queueSpooled(stream: string, depth: number): void {
    try {
      this.deps.metrics?.queueSpooled(stream, depth);
    } catch (err) {
      report('queueSpooled', err);
    }
  }

  queueReplayed(stream: string, count: number): void {
    try {
      this.deps.metrics?.queueReplayed(stream, count);
    } catch (err) {
      report('queueReplayed', err);
    }
  }

  queueDeadLettered(stream: string, count: number): void {
    try {
      this.deps.metrics?.queueDeadLettered(stream, count);
    } catch (err) {
      report('queueDeadLettered', err);
    }
  }

  sessionPending(count: number): void {
    try {
      this.deps.metrics?.sessions.pending(count);
    } catch (err) {
      report('sessionPending', err);
    }
  }

  sessionWriteBackFailed(errorType: ErrorType, entries: number): void {
    try {
      this.deps.metrics?.sessions.writeBackFailed(errorType, entries);
    } catch (err) {
      report('sessionWriteBackFailed', err);
    }
  }

  sessionDropped(reason: SessionDropReason, count: number): void {
    try {
      this.deps.metrics?.sessions.dropped(reason, count);
      this.deps.log.sessionDropped(reason, count);
    } catch (err) {
      report('sessionDropped', err);
    }
  }

  registerPool(pool: string, stats: () => PoolStats): void {
    try {
      this.deps.metrics?.registerPool(pool, stats);
    } catch (err) {
      report('registerPool', err);
    }
  }

  poolConnectionCreated(pool: string, seconds: number): void {
    try {
      this.deps.metrics?.poolConnectionCreated(pool, seconds);
    } catch (err) {
      report('poolConnectionCreated', err);
    }
  }

  poolWait(pool: string, seconds: number): void {
    try {
      this.deps.metrics?.poolWait(pool, seconds);
    } catch (err) {
      report('poolWait', err);
    }
  }

  poolUse(pool: string, seconds: number): void {
    try {
      this.deps.metrics?.poolUse(pool, seconds);
    } catch (err) {
      report('poolUse', err);
    }
  }

  poolTimeout(pool: string): void {
    try {
      this.deps.metrics?.poolTimeout(pool);
    } catch (err) {
      report('poolTimeout', err);
    }
  }

  failover(from: string, to: string): void {
    try {
      this.deps.metrics?.failover();
      this.deps.log.failover(from, to);
    } catch (err) {
      report('failover', err);
    }
  }

  slowCommand(command: string, durationMicros: number, timestamp: number): void {
    try {
      this.deps.metrics?.slowCommand(command);
      this.deps.spans.slowCommand(command, durationMicros, timestamp);
    } catch (err) {
      report('slowCommand', err);
    }
  }
}
