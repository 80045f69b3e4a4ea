/**
 * The per-call tracker: what one logical call reports (attempts, retries, a rejection, a fallback, the end) goes to
 * its pre-bound metric series, its span and the public events, from here alone. Times are the injected clock's.
 */
import { context } from '@opentelemetry/api';
import { classifyError } from '../errors/classify.js';
import type { ErrorType } from '../errors/types.js';
import type { EventHub } from '../events.js';
import type { CallTracker, FallbackType, Outcome } from '../instrumentation.js';
import { guardMethods, reportTelemetryError } from './guard.js';
import type { MetricsSink, OperationSeries } from './metrics.js';
import type { OperationInfo } from './operations.js';
import type { CallSpan, Spans } from './spans.js';

/** What every tracker of one instance shares. */
export interface TrackerContext {
  readonly metrics: MetricsSink | undefined;
  readonly spans: Spans;
  readonly hub: EventHub;
  readonly now: () => number;
}

export class CallRecord implements CallTracker {
  private ended = false;

  constructor(
    private readonly ctx: TrackerContext,
    private readonly op: OperationInfo,
    private readonly series: OperationSeries | undefined,
    private readonly startedAt: number,
    private readonly call: CallSpan | undefined,
  ) {}

  attemptEnd(attempt: number, startedAt: number, endedAt: number, errorType: ErrorType | undefined): void {
    this.series?.attempt(errorType, (endedAt - startedAt) / 1000);
    // A lone successful attempt is the logical span itself; anything else earns its own span.
    if (this.call && (errorType !== undefined || attempt > 1)) {
      this.ctx.spans.attempt(this.call, this.op, attempt, startedAt, endedAt, errorType);
    }
  }

  retry(attempt: number, delayMs: number, errorType: ErrorType): void {
    this.series?.retry(errorType);
    // `attempt` is the attempt that failed; the retry runs as attempt + 1 after `delay_ms`.
    if (this.call) this.ctx.spans.event(this.call, 'retry', { attempt, delay_ms: delayMs, 'error.type': errorType });
    if (this.ctx.hub.listening('retry')) {
      this.ctx.hub.emit('retry', { operation: this.op.label, attempt, delayMs, errorType });
    }
  }

  rejected(state: 'open' | 'half_open', node: string): void {
    if (this.call) this.ctx.spans.event(this.call, 'circuit_breaker.rejected', { state, node });
    if (this.ctx.hub.listening('rejected')) this.ctx.hub.emit('rejected', { operation: this.op.label, node, state });
  }

  fallback(type: FallbackType, reason: string, served: boolean): void {
    this.ctx.metrics?.fallback(type, reason, served);
    if (this.call) this.ctx.spans.event(this.call, 'fallback', { type, reason, served });
    if (this.ctx.hub.listening('fallback')) {
      this.ctx.hub.emit('fallback', { operation: this.op.label, type, reason, served });
    }
  }

  end(outcome: Outcome, attempts: number, error?: unknown, endedAt: number = this.ctx.now()): void {
    if (this.ended) return;
    this.ended = true;
    const { series, call } = this;
    if (series) {
      series.call(outcome, (endedAt - this.startedAt) / 1000, call && this.ctx.spans.exemplar(call));
      // Only Redis round trips pass through the retry policy; a cache.getOrLoad is counted by its inner calls.
      if (this.op.redis) {
        const ok = outcome === 'success';
        series.retryCall(
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
      this.ctx.spans.end(call, outcome, errorType, error, endedAt);
    }
  }

  runInContext<T>(fn: () => T): T {
    if (!this.call) return fn();
    let ctx: ReturnType<typeof context.active>;
    try {
      ctx = this.ctx.spans.contextOf(this.call);
    } catch (err) {
      reportTelemetryError('runInContext', err);
      return fn();
    }
    // Errors thrown by fn are the caller's own and propagate; only building the context is ours to guard.
    return context.with(ctx, fn);
  }
}

guardMethods(CallRecord.prototype, ['attemptEnd', 'retry', 'rejected', 'fallback', 'end'], 'tracker');
