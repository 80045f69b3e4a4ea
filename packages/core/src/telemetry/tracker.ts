/**
 * The per-call tracker: what one logical call reports (attempts, retries, a rejection, a fallback, the end) goes to
 * its pre-bound metric series, its span and the public events, from here alone. Times are the injected clock's.
 */
import { context } from '@opentelemetry/api';
import { classifyError } from '../errors/classify.js';
import type { ErrorType } from '../errors/types.js';
import type { EventHub } from '../events.js';
import type { CallTracker, FallbackType, Outcome } from '../instrumentation.js';
import type { RetryCallKind } from './catalog.js';
import { guardMethods, reportTelemetryError } from './guard.js';
import type { MetricsSink, OperationSeries } from './metrics.js';
import type { OperationInfo } from './operations.js';
import type { CallSpan, Spans } from './spans.js';
import { driverTraced } from './untraced.js';

/** What every tracker of one instance shares. */
export interface TrackerContext {
  readonly metrics: MetricsSink | undefined;
  /** The catalog through the OTel Metrics API; its per-call series are taken only once a MeterProvider is there. */
  readonly otel: MetricsSink | undefined;
  readonly otelReady: () => boolean;
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
    /** The same series through the OpenTelemetry Metrics API, when a MeterProvider is in use. */
    private readonly otel: OperationSeries | undefined,
  ) {}

  attemptEnd(attempt: number, startedAt: number, endedAt: number, errorType: ErrorType | undefined): void {
    const seconds = (endedAt - startedAt) / 1000;
    this.series?.attempt(errorType, seconds);
    this.otel?.attempt(errorType, seconds);
    this.call?.attemptEnd(attempt, startedAt, endedAt, errorType);
  }

  retry(attempt: number, delayMs: number, errorType: ErrorType): void {
    this.series?.retry(errorType);
    this.otel?.retry(errorType);
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
    this.ctx.otel?.fallback(type, reason, served);
    if (this.call) this.ctx.spans.event(this.call, 'fallback', { type, reason, served });
    if (this.ctx.hub.listening('fallback')) {
      this.ctx.hub.emit('fallback', { operation: this.op.label, type, reason, served });
    }
  }

  end(outcome: Outcome, attempts: number, error?: unknown, endedAt: number = this.ctx.now()): void {
    if (this.ended) return;
    this.ended = true;
    const { series, call, otel } = this;
    // Spans first: a Redis call's span is made now, and the latency histogram's exemplar points at it.
    if (call) {
      try {
        const errorType = error === undefined ? undefined : classifyError(error).type;
        this.ctx.spans.end(call, this.op, outcome, errorType, error, endedAt);
      } catch (err) {
        reportTelemetryError('tracker.end', err); // the span is lost; the call's metrics are not
      }
    }
    const seconds = (endedAt - this.startedAt) / 1000;
    // Only Redis round trips pass through the retry policy; a cache.getOrLoad is counted by its inner calls.
    const kind = this.op.redis ? retryCallKind(outcome, attempts) : undefined;
    if (series) {
      series.call(outcome, seconds, call && this.ctx.spans.exemplar(call));
      if (kind) series.retryCall(kind);
    }
    if (otel) {
      otel.call(outcome, seconds, call && this.ctx.spans.exemplar(call));
      if (kind) otel.retryCall(kind);
    }
  }

  sendAttempt<C, R>(target: { send(client: C): R }, client: C): R {
    // Suppressing costs a context.with per attempt: only when a driver instrumentation would add a second span.
    const call = this.call;
    return call && driverTraced(client)
      ? context.with(call.sendContext(), target.send, target, client)
      : target.send(client);
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

function retryCallKind(outcome: Outcome, attempts: number): RetryCallKind {
  const ok = outcome === 'success';
  if (attempts > 1) return ok ? 'success_with_retry' : 'failed_with_retry';
  return ok ? 'success_without_retry' : 'failed_without_retry';
}

guardMethods(CallRecord.prototype, ['attemptEnd', 'retry', 'rejected', 'fallback', 'end'], 'tracker');
