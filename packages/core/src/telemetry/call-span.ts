/**
 * The spans of one traced call. A Redis call records its attempts and events as it goes and makes its spans when it
 * ends, when the number of round trips (and so the span kind) is known; a logical operation holds a live span.
 *
 * Times: the executor reports the injected clock's milliseconds (monotonic). Each call takes one wall-clock anchor,
 * so the spans of a call line up exactly with each other even though `Date.now()` has only millisecond resolution.
 * Spans get epoch milliseconds as numbers: the SDK converts them itself, so no HrTime is built here.
 */
import {
  type Attributes,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { ErrorType } from '../errors/classify.js';
import { isRedisResilienceError } from '../errors/errors.js';
import type { Outcome } from '../instrumentation.js';
import type { OperationInfo } from './operations.js';
import {
  ATTR_ATTEMPT,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_ERROR_TYPE,
  responseStatusCode,
} from './semconv.js';
import { SUPPRESS_TRACING_KEY } from './untraced.js';

const SAMPLED = 1; // TraceFlags.SAMPLED

interface Attempt {
  readonly attempt: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly errorType: ErrorType | undefined;
}

interface BufferedEvent {
  readonly name: string;
  readonly attributes: Attributes;
  readonly at: number;
}

export class CallSpan {
  /** Most calls run one attempt: it is kept inline, and only later ones get a list. */
  private first: Attempt | undefined;
  private more: Attempt[] | undefined;
  private events: BufferedEvent[] | undefined;
  private suppressed: Context | undefined;

  constructor(
    /** The context the call started in: its spans are children of the span active there. */
    private readonly parent: Context,
    /** Wall clock minus the monotonic clock when the call started: add to a call time for epoch ms. */
    private readonly anchor: number,
    private readonly startedAt: number,
    /** The redacted query text when enabled. */
    private readonly queryText: string | undefined,
    /** A logical operation's live span; for a Redis call, the span made at its end (if sampled). */
    public span: Span | undefined,
  ) {}

  /** Epoch milliseconds, fractional: the SDK keeps the sub-millisecond part of a numeric time. */
  private time(at: number): number {
    return this.anchor + at;
  }

  /** The context attempts are handed to a tracing driver in: tracing suppressed, so it adds no second span. */
  sendContext(): Context {
    this.suppressed ??= this.parent.setValue(SUPPRESS_TRACING_KEY, true);
    return this.suppressed;
  }

  attemptEnd(attempt: number, startedAt: number, endedAt: number, errorType: ErrorType | undefined): void {
    const a = { attempt, startedAt, endedAt, errorType };
    if (this.first === undefined) this.first = a;
    else if (this.more) this.more.push(a);
    else this.more = [a];
  }

  event(name: string, attributes: Attributes, at: number): void {
    if (this.span) this.span.addEvent(name, attributes, this.time(at));
    else if (this.events) this.events.push({ name, attributes, at });
    else this.events = [{ name, attributes, at }];
  }

  /**
   * A Redis call ended: one CLIENT span for one attempt; otherwise an INTERNAL span with a CLIENT per attempt.
   * `forSampler`: hand the attributes to the sampler at start. Otherwise they are set once the span is known to
   * record, which spares the SDK a second pass over them; the exported span carries the same attributes either way.
   */
  emit(
    tracer: Tracer,
    op: OperationInfo,
    base: Attributes,
    forSampler: boolean,
    outcome: Outcome,
    errorType: ErrorType | undefined,
    error: unknown,
    endedAt: number,
  ): void {
    const single = this.first !== undefined && this.more === undefined;
    const attributes = this.queryText === undefined ? base : { ...base, [ATTR_DB_QUERY_TEXT]: this.queryText };
    const span = tracer.startSpan(
      op.spanName,
      {
        kind: single ? SpanKind.CLIENT : SpanKind.INTERNAL,
        startTime: this.time(this.startedAt),
        attributes: forSampler ? attributes : undefined,
      },
      this.parent,
    );
    if (!span.isRecording()) return;
    if (!forSampler) span.setAttributes(attributes);
    this.span = span;
    if (this.events) for (const e of this.events) span.addEvent(e.name, e.attributes, this.time(e.at));
    if (!single && this.first) {
      const inCall = trace.setSpan(this.parent, span);
      this.attemptSpan(tracer, op, attributes, this.first, inCall);
      if (this.more) for (const a of this.more) this.attemptSpan(tracer, op, attributes, a, inCall);
    }
    this.finish(span, outcome, errorType, error, endedAt);
  }

  private attemptSpan(tracer: Tracer, op: OperationInfo, base: Attributes, a: Attempt, parent: Context): void {
    const attributes: Attributes = { ...base, [ATTR_ATTEMPT]: a.attempt };
    if (a.errorType !== undefined) setErrorType(attributes, a.errorType);
    const span = tracer.startSpan(
      op.spanName,
      { kind: SpanKind.CLIENT, startTime: this.time(a.startedAt), attributes },
      parent,
    );
    if (a.errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(this.time(a.endedAt));
  }

  /** End `span` at `endedAt`; error status and `error.type` unless the call succeeded or a fallback served it. */
  finish(span: Span, outcome: Outcome, errorType: string | undefined, error: unknown, endedAt: number): void {
    if (outcome !== 'success') {
      span.setAttribute('redis_resilience.outcome', outcome);
      if (outcome !== 'fallback') {
        const attrs: Attributes = {};
        setErrorType(attrs, (errorType ?? (outcome === 'rejected' ? 'circuit_open' : '_OTHER')) as ErrorType);
        span.setAttributes(attrs);
        span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(error) });
      }
    }
    span.end(this.time(endedAt));
  }

  /** Exemplar labels when the call's span is sampled, so a histogram bucket links to this trace. */
  exemplar(): { trace_id: string; span_id: string } | undefined {
    const ctx = this.span?.spanContext();
    return ctx && ctx.traceFlags & SAMPLED ? { trace_id: ctx.traceId, span_id: ctx.spanId } : undefined;
  }
}

function setErrorType(attributes: Attributes, type: ErrorType): void {
  attributes[ATTR_ERROR_TYPE] = type;
  const code = responseStatusCode(type);
  if (code !== undefined) attributes[ATTR_DB_RESPONSE_STATUS_CODE] = code;
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
