/**
 * Spans through `@opentelemetry/api` only: one span per logical call, and a CLIENT child per physical attempt made
 * after the fact (explicit start and end) only when an attempt failed or there was more than one. A call that
 * succeeds on its only attempt therefore costs one span, with the semconv attributes on it.
 *
 * Times: the executor reports the injected clock's milliseconds (monotonic). Each call takes one wall-clock anchor,
 * so the spans of a call line up exactly with each other even though `Date.now()` has only millisecond resolution.
 */
import {
  type Attributes,
  type Context,
  context,
  type HrTime,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { ErrorType } from '../errors/classify.js';
import { isRedisResilienceError } from '../errors/errors.js';
import type { Endpoint, Outcome } from '../instrumentation.js';
import type { OperationInfo } from './operations.js';
import { hasGlobalTracerProvider } from './provider.js';
import {
  ATTR_ATTEMPT,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_ERROR_TYPE,
  endpointAttributes,
  redactedQueryText,
  responseStatusCode,
} from './semconv.js';

export const TRACER_NAME = '@redis-resilience/core';

export interface SpansConfig {
  endpoint: Endpoint;
  /** Record `db.query.text` with every argument replaced by `?`. */
  dbQueryText: boolean;
  /** Where tracers come from. @default the global provider of `@opentelemetry/api` */
  tracerProvider?: TracerProvider;
  /** Recorded as the tracer's version. */
  version?: string;
  /** The clock call times are read from (monotonic ms). */
  now: () => number;
}

/** A recording logical span and the wall-clock anchor of its call. */
export interface CallSpan {
  readonly span: Span;
  /** Wall clock minus the monotonic clock when the call started: add to a call time for epoch ms. */
  readonly anchor: number;
  /** The redacted query text when enabled, reused by the attempt spans. */
  readonly queryText: string | undefined;
}

/** Epoch milliseconds (fractional) to HrTime, keeping the sub-millisecond part. */
export function toHrTime(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  const nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

const SAMPLED = 1; // TraceFlags.SAMPLED

export class Spans {
  private readonly tracer: Tracer;
  /** With the global API, span work is skipped while no provider is registered; an injected one always records. */
  private readonly global: boolean;
  private readonly base: Attributes;
  private readonly dbQueryText: boolean;
  /** Start attributes per operation label; bounded because labels are. */
  private readonly startAttributes = new Map<string, Attributes | undefined>();
  private readonly now: () => number;
  private anchor: number;
  private anchoredAt: number;

  constructor(config: SpansConfig) {
    this.now = config.now;
    this.anchoredAt = this.now();
    this.anchor = Date.now() - this.anchoredAt;
    const provider = config.tracerProvider ?? trace.getTracerProvider();
    this.global = config.tracerProvider === undefined;
    this.tracer = provider.getTracer(TRACER_NAME, config.version);
    this.base = endpointAttributes(config.endpoint);
    this.dbQueryText = config.dbQueryText;
  }

  /**
   * `Date.now()` minus the monotonic clock, refreshed at most once a second: reading both clocks costs more than the
   * rest of an unsampled call, and the monotonic clock drifts from wall time by far less than a millisecond a second.
   */
  private wallClockAnchor(now: number): number {
    if (now - this.anchoredAt > 1000 || now < this.anchoredAt) {
      this.anchor = Date.now() - now;
      this.anchoredAt = now;
    }
    return this.anchor;
  }

  private attributesFor(op: OperationInfo): Attributes | undefined {
    let attrs = this.startAttributes.get(op.label);
    if (attrs === undefined && !this.startAttributes.has(op.label)) {
      attrs = op.redis ? Object.freeze({ ...this.base, [ATTR_DB_OPERATION_NAME]: op.spanName }) : undefined;
      this.startAttributes.set(op.label, attrs);
    }
    return attrs;
  }

  /**
   * Start the logical span under the active context. Returns undefined when the span does not record (no provider
   * registered, or sampled out), so the caller skips all further span work for this call.
   */
  start(op: OperationInfo, args: readonly unknown[], startedAt: number): CallSpan | undefined {
    if (this.global && !hasGlobalTracerProvider()) return undefined;
    const anchor = this.wallClockAnchor(startedAt);
    const attributes = this.attributesFor(op);
    const span = this.tracer.startSpan(op.spanName, {
      kind: op.redis ? SpanKind.CLIENT : SpanKind.INTERNAL,
      startTime: toHrTime(anchor + startedAt),
      ...(attributes && { attributes }),
    });
    if (!span.isRecording()) return undefined;
    // Only now, for a recording span: building the text is the one per-argument cost.
    const queryText = this.dbQueryText && op.redis ? redactedQueryText(op, args) : undefined;
    if (queryText !== undefined) span.setAttribute(ATTR_DB_QUERY_TEXT, queryText);
    return { span, anchor, queryText };
  }

  /**
   * A SLOWLOG entry as a span of its own (there is no caller's span to attach it to), placed at the server's time,
   * with a `slowlog` event carrying the duration. Command name only: SLOWLOG arguments are never read.
   */
  slowCommand(command: string, durationMicros: number, timestamp: number): void {
    if (this.global && !hasGlobalTracerProvider()) return;
    const start = timestamp * 1000;
    const span = this.tracer.startSpan(`SLOWLOG ${command.toUpperCase()}`, {
      kind: SpanKind.INTERNAL,
      startTime: start,
      attributes: { ...this.base, [ATTR_DB_OPERATION_NAME]: command.toUpperCase() },
    });
    span.addEvent('slowlog', { 'db.operation.name': command.toUpperCase(), duration_us: durationMicros }, start);
    span.end(start + durationMicros / 1000);
  }

  /** A retroactive CLIENT span for one physical attempt, child of the logical span. */
  attempt(
    call: CallSpan,
    op: OperationInfo,
    attempt: number,
    startedAt: number,
    endedAt: number,
    errorType: ErrorType | undefined,
  ): void {
    const attributes: Attributes = { ...this.attributesFor(op), [ATTR_ATTEMPT]: attempt };
    if (call.queryText !== undefined) attributes[ATTR_DB_QUERY_TEXT] = call.queryText;
    if (errorType !== undefined) {
      attributes[ATTR_ERROR_TYPE] = errorType;
      const code = responseStatusCode(errorType);
      if (code !== undefined) attributes[ATTR_DB_RESPONSE_STATUS_CODE] = code;
    }
    const span = this.tracer.startSpan(
      op.spanName,
      { kind: SpanKind.CLIENT, startTime: toHrTime(call.anchor + startedAt), attributes },
      trace.setSpan(context.active(), call.span),
    );
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(toHrTime(call.anchor + endedAt));
  }

  event(call: CallSpan, name: string, attributes: Attributes): void {
    call.span.addEvent(name, attributes, toHrTime(call.anchor + this.now()));
  }

  /** End the logical span; error status and `error.type` unless the call succeeded or a fallback served it. */
  end(call: CallSpan, outcome: Outcome, errorType: string | undefined, error: unknown, endedAt: number): void {
    const { span } = call;
    if (outcome !== 'success') {
      span.setAttribute('redis_resilience.outcome', outcome);
      if (outcome !== 'fallback') {
        const type = errorType ?? (outcome === 'rejected' ? 'circuit_open' : '_OTHER');
        span.setAttribute(ATTR_ERROR_TYPE, type);
        const code = responseStatusCode(type as ErrorType);
        if (code !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(error) });
      }
    }
    span.end(toHrTime(call.anchor + endedAt));
  }

  /** Exemplar labels when the logical span is sampled, so a histogram bucket links to this trace. */
  exemplar(call: CallSpan): { trace_id: string; span_id: string } | undefined {
    const ctx = call.span.spanContext();
    return ctx.traceFlags & SAMPLED ? { trace_id: ctx.traceId, span_id: ctx.spanId } : undefined;
  }

  /** The active context with this call's span in it, for `context.with`. */
  contextOf(call: CallSpan): Context {
    return trace.setSpan(context.active(), call.span);
  }
}

/**
 * Our own errors have messages built to carry no key or value; anything else (a Redis reply can quote arguments:
 * "ERR unknown command 'x', with args beginning with: 'key'") is reduced to its class name.
 */
function statusMessage(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (isRedisResilienceError(error)) return error.message;
  return typeof error === 'object' ? String((error as { name?: unknown }).name ?? 'Error') : typeof error;
}
