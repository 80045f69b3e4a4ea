/**
 * Spans through `@opentelemetry/api` only, so that they go wherever the app's SDK sends its own (any import order:
 * the provider is looked up per call). One Redis round trip is one CLIENT span:
 *
 * - a Redis call that ran one attempt is ONE CLIENT span (the call and its round trip are the same thing);
 * - a call with several attempts is an INTERNAL span (the logical call, with its `retry` events) and one CLIENT
 *   child per attempt; a call the breaker rejected before any attempt is one INTERNAL span;
 * - while a call is traced its attempts are handed to ioredis with tracing suppressed, so that
 *   instrumentation-ioredis (on by default in auto-instrumentations-node) adds no second CLIENT span.
 *
 * The span kind depends on how many attempts ran, so a Redis call's spans are made when it ends, at the call's own
 * times (call-span.ts); logical operations (cache.getOrLoad …) start theirs at once, since calls run inside them.
 */
import {
  type Attributes,
  type Context,
  context,
  INVALID_SPANID,
  INVALID_TRACEID,
  SpanKind,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { ErrorType } from '../errors/classify.js';
import type { Endpoint, Outcome } from '../instrumentation.js';
import { CallSpan } from './call-span.js';
import type { OperationInfo } from './operations.js';
import { globalTracerProvider } from './provider.js';
import { ATTR_DB_OPERATION_NAME, endpointAttributes, redactedQueryText } from './semconv.js';
import { SUPPRESS_TRACING_KEY } from './untraced.js';

export { CallSpan } from './call-span.js';

export const TRACER_NAME = '@redis-resilience/core';
const SAMPLED = 1; // TraceFlags.SAMPLED

export interface SpansConfig {
  /** `tracing: false`: no spans of ours (the driver's instrumentation, if any, is then the app's to configure). */
  enabled: boolean;
  endpoint: Endpoint;
  /** Record `db.query.text` with every argument replaced by `?`. */
  dbQueryText: boolean;
  /** Trace only calls made inside an active span (background work then makes no root spans). */
  requireParentSpan: boolean;
  /** Hand a Redis call's attributes to the sampler when its span starts (else they are set once it records). */
  samplerAttributes?: boolean;
  /** Where tracers come from. @default the global provider of `@opentelemetry/api` */
  tracerProvider?: TracerProvider;
  /** Recorded as the tracer's version. */
  version?: string;
  /** The clock call times are read from (monotonic ms). */
  now: () => number;
}

/** A call that is traced: the tracer, and the context it starts in. */
interface Traced {
  readonly tracer: Tracer;
  readonly parent: Context;
}

export class Spans {
  /** The tracer of `provider`: an injected provider's for good, the global one's while it stays registered. */
  private tracer: Tracer | undefined;
  private provider: TracerProvider | undefined;
  private readonly version: string | undefined;
  /** With the global API, span work is skipped while no provider is registered; an injected one always records. */
  private readonly global: boolean;
  private readonly base: Attributes;
  private readonly dbQueryText: boolean;
  private readonly requireParentSpan: boolean;
  private readonly samplerAttributes: boolean;
  private readonly enabled: boolean;
  /** Start attributes per operation label; bounded because labels are. */
  private readonly startAttributes = new Map<string, Attributes>();
  private readonly now: () => number;
  private anchor: number;
  private anchoredAt: number;
  /** The decision for the last context a call started in, with that tracer (see tracerFor). */
  private lastParent: Context | undefined;
  private lastTracer: Tracer | undefined;
  private lastTraced: Traced | undefined;

  constructor(config: SpansConfig) {
    this.now = config.now;
    this.anchoredAt = this.now();
    this.anchor = Date.now() - this.anchoredAt;
    this.global = config.tracerProvider === undefined;
    this.version = config.version;
    if (config.tracerProvider) this.tracer = config.tracerProvider.getTracer(TRACER_NAME, config.version);
    this.base = endpointAttributes(config.endpoint);
    this.dbQueryText = config.dbQueryText;
    this.requireParentSpan = config.requireParentSpan;
    this.samplerAttributes = config.samplerAttributes ?? false;
    this.enabled = config.enabled;
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

  /** The attributes every span of a Redis operation starts with. */
  attributesFor(op: OperationInfo): Attributes {
    let attrs = this.startAttributes.get(op.label);
    if (attrs === undefined) {
      attrs = Object.freeze({ ...this.base, [ATTR_DB_OPERATION_NAME]: op.spanName });
      this.startAttributes.set(op.label, attrs);
    }
    return attrs;
  }

  /** The tracer to use now: undefined while no provider is registered (span work is then skipped). */
  private currentTracer(): Tracer | undefined {
    if (!this.global) return this.tracer;
    const provider = globalTracerProvider();
    if (provider !== this.provider) {
      this.provider = provider;
      this.tracer = provider?.getTracer(TRACER_NAME, this.version);
    }
    return this.tracer;
  }

  /**
   * The tracer for a call starting now, and the context it starts in, if it is traced: a provider (checked first,
   * so that an app without one pays nothing more), not suppressed, and a parent span when one is required.
   * Inside a trace the app's sampler dropped (a valid parent without the sampled flag) a call is not traced either,
   * as the default ParentBased sampler decides, so an unsampled request pays for no span work at all.
   */
  private tracerFor(): Traced | undefined {
    const tracer = this.enabled ? this.currentTracer() : undefined;
    if (!tracer) return undefined;
    const parent = context.active();
    // Contexts are immutable: the calls of one request, made in the same context, get the same answer.
    if (parent === this.lastParent && tracer === this.lastTracer) return this.lastTraced;
    this.lastParent = parent;
    this.lastTracer = tracer;
    this.lastTraced = this.decide(tracer, parent);
    return this.lastTraced;
  }

  private decide(tracer: Tracer, parent: Context): Traced | undefined {
    if (parent.getValue(SUPPRESS_TRACING_KEY) === true) return undefined;
    const parentSpan = trace.getSpan(parent);
    if (parentSpan === undefined) return this.requireParentSpan ? undefined : { tracer, parent };
    const sc = parentSpan.spanContext();
    if ((sc.traceFlags & SAMPLED) === 0 && sc.traceId !== INVALID_TRACEID && sc.spanId !== INVALID_SPANID)
      return undefined;
    return { tracer, parent };
  }

  /**
   * A call starts under the active context. Undefined when it is not traced, so the caller skips all span work.
   * A logical operation's span starts now (and may be sampled out here); a Redis call's is made when it ends.
   */
  start(op: OperationInfo, args: readonly unknown[], startedAt: number): CallSpan | undefined {
    const traced = this.tracerFor();
    if (!traced) return undefined;
    const { tracer, parent } = traced;
    const anchor = this.wallClockAnchor(startedAt);
    if (!op.redis) {
      const span = tracer.startSpan(op.spanName, {
        kind: SpanKind.INTERNAL,
        startTime: anchor + startedAt,
      });
      return span.isRecording() ? new CallSpan(parent, anchor, startedAt, undefined, span) : undefined;
    }
    // Building the text is the one per-argument cost: only for traced calls, and only when enabled.
    const queryText = this.dbQueryText ? redactedQueryText(op, args) : undefined;
    return new CallSpan(parent, anchor, startedAt, queryText, undefined);
  }

  /**
   * A SLOWLOG entry as a span of its own (there is no caller's span to attach it to), placed at the server's time,
   * with a `slowlog` event carrying the duration. Command name only: SLOWLOG arguments are never read. Background
   * work: with `requireParentSpan` it makes no span, as it never has a parent.
   */
  slowCommand(command: string, durationMicros: number, timestamp: number): void {
    const tracer = this.tracerFor()?.tracer;
    if (!tracer) return;
    const start = timestamp * 1000;
    const name = command.toUpperCase();
    const span = tracer.startSpan(`SLOWLOG ${name}`, {
      kind: SpanKind.INTERNAL,
      startTime: start,
      attributes: { ...this.base, [ATTR_DB_OPERATION_NAME]: name },
    });
    span.addEvent('slowlog', { 'db.operation.name': name, duration_us: durationMicros }, start);
    span.end(start + durationMicros / 1000);
  }

  event(call: CallSpan, name: string, attributes: Attributes): void {
    call.event(name, attributes, this.now());
  }

  /** The call ended: a Redis call's spans are made now; a logical span gets its status and ends. */
  end(
    call: CallSpan,
    op: OperationInfo,
    outcome: Outcome,
    errorType: ErrorType | undefined,
    error: unknown,
    endedAt: number,
  ): void {
    if (call.span) {
      call.finish(call.span, outcome, errorType, error, endedAt);
      return;
    }
    const tracer = this.currentTracer();
    if (tracer)
      call.emit(tracer, op, this.attributesFor(op), this.samplerAttributes, outcome, errorType, error, endedAt);
  }

  /** Exemplar labels when the call's span is sampled, so a histogram bucket links to this trace. */
  exemplar(call: CallSpan): { trace_id: string; span_id: string } | undefined {
    return call.exemplar();
  }

  /** The active context with this call's span in it, for `context.with`. */
  contextOf(call: CallSpan): Context {
    return call.span ? trace.setSpan(context.active(), call.span) : context.active();
  }
}
