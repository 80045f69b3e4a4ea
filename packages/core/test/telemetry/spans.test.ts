import { tracingChannel } from 'node:diagnostics_channel';
import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type SpanKind as Kind,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/errors/classify.js';
import { CircuitOpenError, RetriesExhaustedError } from '../../src/errors/errors.js';
import { SUPPRESS_TRACING_KEY } from '../../src/telemetry/untraced.js';
import { at, harness } from './harness.js';

const hrMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/** An ioredis client as instrumentation-ioredis leaves it: `sendCommand` wrapped by shimmer, which marks it. */
function instrumentedClient(): object {
  const sendCommand = Object.assign(() => undefined, { __wrapped: true });
  return { sendCommand };
}
const plainClient = (): object => ({ sendCommand: () => undefined });

/** Samples everything and remembers what it was asked, with the attributes it was shown. */
class CountingSampler {
  readonly asked: string[] = [];
  readonly shown: Attributes[] = [];
  shouldSample(_ctx: Context, _traceId: string, name: string, _kind: Kind, attributes: Attributes) {
    this.asked.push(name);
    this.shown.push({ ...attributes });
    return { decision: 2 }; // SamplingDecision.RECORD_AND_SAMPLED
  }
  toString() {
    return 'CountingSampler';
  }
}

describe('spans', () => {
  it('a call that succeeds on its only attempt is exactly one CLIENT span with the semconv attributes', () => {
    const h = harness();
    const call = h.telemetry.instrumentation.startCall('get', ['user:42']);
    call.attemptEnd(1, at(0), at(0.2), undefined);
    call.end('success', 1);

    const spans = h.spans();
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span?.name).toBe('GET');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.instrumentationScope.name).toBe('@redis-resilience/core');
    expect(span?.attributes).toEqual({
      'db.system.name': 'redis',
      'db.operation.name': 'GET',
      'db.namespace': '2',
      'server.address': '10.1.2.3',
      'server.port': 6380,
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(JSON.stringify(span?.attributes)).not.toContain('user:42');
  });

  it('retries: an INTERNAL logical span, one CLIENT child per attempt (round trip), a retry event per retry', () => {
    const h = harness();
    const call = h.telemetry.instrumentation.startCall('get', ['k']);
    const t = at(0);
    call.attemptEnd(1, t, t + 5, 'timeout');
    call.retry(1, 50, 'timeout');
    call.attemptEnd(2, t + 55, t + 56, 'reset');
    call.retry(2, 100, 'reset');
    call.attemptEnd(3, t + 156, t + 157, undefined);
    call.end('success', 3);

    const [logical] = h.spans().filter((s) => !s.parentSpanContext);
    const attempts = h.spans().filter((s) => s.parentSpanContext);
    expect(logical?.name).toBe('GET');
    // One CLIENT span per round trip: the logical call over them is not one.
    expect(logical?.kind).toBe(SpanKind.INTERNAL);
    expect(attempts).toHaveLength(3);
    for (const a of attempts) {
      expect(a.name).toBe('GET');
      expect(a.kind).toBe(SpanKind.CLIENT);
      expect(a.parentSpanContext?.spanId).toBe(logical?.spanContext().spanId);
      expect(a.spanContext().traceId).toBe(logical?.spanContext().traceId);
      expect(a.attributes['db.system.name']).toBe('redis');
      expect(a.attributes['server.port']).toBe(6380);
    }
    const byAttempt = new Map(attempts.map((a) => [a.attributes['redis_resilience.attempt'], a]));
    expect(byAttempt.get(1)?.attributes['error.type']).toBe('timeout');
    expect(byAttempt.get(1)?.status.code).toBe(SpanStatusCode.ERROR);
    expect(byAttempt.get(2)?.attributes['error.type']).toBe('reset');
    expect(byAttempt.get(3)?.attributes['error.type']).toBeUndefined();
    expect(byAttempt.get(3)?.status.code).toBe(SpanStatusCode.UNSET);
    // Retroactive spans keep the attempts' own times: 5 ms, then 1 ms each, 55 ms apart.
    const first = byAttempt.get(1)!;
    expect(hrMs(first.endTime) - hrMs(first.startTime)).toBeCloseTo(5, 3);
    expect(hrMs(byAttempt.get(2)!.startTime) - hrMs(first.startTime)).toBeCloseTo(55, 3);

    expect(logical?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['retry', { attempt: 1, delay_ms: 50, 'error.type': 'timeout' }],
      ['retry', { attempt: 2, delay_ms: 100, 'error.type': 'reset' }],
    ]);
    expect(logical?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a failed call has error status and error.type; a transient reply carries db.response.status_code', () => {
    const h = harness();
    const call = h.telemetry.instrumentation.startCall('get', ['k']);
    call.attemptEnd(1, at(0), at(1), 'loading');
    call.retry(1, 10, 'loading');
    call.attemptEnd(2, at(11), at(12), 'loading');
    const err = new RetriesExhaustedError('get', 2, 'loading', 'server transient', new Error('LOADING'));
    call.end('failure', 2, err);

    const logical = h.spans().find((s) => !s.parentSpanContext)!;
    expect(logical.status).toEqual({ code: SpanStatusCode.ERROR, message: err.message });
    expect(logical.attributes['error.type']).toBe('loading');
    expect(logical.attributes['db.response.status_code']).toBe('LOADING');
    const attempts = h.spans().filter((s) => s.parentSpanContext);
    expect(attempts.map((a) => a.attributes['db.response.status_code'])).toEqual(['LOADING', 'LOADING']);
  });

  it('a command error is one error CLIENT span (one round trip), and no reply text (it can quote a key)', () => {
    const h = harness();
    const err = new ReplyError("ERR unknown command 'frob', with args beginning with: 'secret-key'");
    const call = h.telemetry.instrumentation.startCall('get', ['secret-key']);
    call.attemptEnd(1, at(0), at(1), classifyError(err).type);
    call.end('command_error', 1, err);

    const spans = h.spans();
    expect(spans).toHaveLength(1);
    const logical = spans[0]!;
    expect(logical.kind).toBe(SpanKind.CLIENT);
    expect(logical.status.code).toBe(SpanStatusCode.ERROR);
    expect(logical.attributes['error.type']).toBe('command_error');
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.status, s.events]))).not.toContain('secret-key');
  });

  it('a breaker rejection is a circuit_breaker.rejected event on an error span with no attempt span', () => {
    const h = harness();
    const call = h.telemetry.instrumentation.startCall('set', ['k', 'v']);
    const err = new CircuitOpenError('set', 'open', 'default');
    call.rejected('open', 'default');
    call.end('rejected', 0, err);

    const spans = h.spans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.kind).toBe(SpanKind.INTERNAL); // no round trip was made
    expect(spans[0]?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['circuit_breaker.rejected', { state: 'open', node: 'default' }],
    ]);
    expect(spans[0]?.attributes['error.type']).toBe('circuit_open');
    expect(spans[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: err.message });
  });

  it('db.query.text is off by default, and when enabled every argument is a ?', () => {
    const off = harness();
    const a = off.telemetry.instrumentation.startCall('set', ['user:1', 'hunter2']);
    a.end('success', 1);
    expect(off.spans()[0]?.attributes['db.query.text']).toBeUndefined();

    const on = harness({ tracing: { dbQueryText: true } });
    const set = on.telemetry.instrumentation.startCall('set', ['user:1', 'hunter2', 'EX', 10]);
    set.end('success', 1);
    const mget = on.telemetry.instrumentation.startCall('mget', [['a:1', 'a:2', 'a:3']]);
    mget.attemptEnd(1, at(0), at(1), 'timeout');
    mget.attemptEnd(2, at(2), at(3), undefined);
    mget.end('success', 2);
    const batch = on.telemetry.instrumentation.startCall('pipeline', [
      ['set', 'k1', 'v1'],
      ['incrby', 'k2', 5],
      ['frobnicate', 'k3'],
    ]);
    batch.end('success', 1);

    const texts = on.spans().map((s) => s.attributes['db.query.text']);
    expect(texts).toEqual(['SET ? ? ? ?', 'MGET ? ? ?', 'MGET ? ? ?', 'MGET ? ? ?', 'SET ? ?; INCRBY ? ?; OTHER ?']);
    const all = JSON.stringify(on.spans().map((s) => s.attributes));
    for (const secret of ['user:1', 'hunter2', 'a:1', 'k1', 'v1', 'k3', 'frobnicate'])
      expect(all).not.toContain(secret);
  });

  it('unknown operations are named OTHER; logical operations are INTERNAL spans without db attributes', () => {
    const h = harness();
    h.telemetry.instrumentation.startCall('user:1234:profile', []).end('success', 1);
    h.telemetry.instrumentation.startCall('cache.getOrLoad', ['user:1']).end('success', 0);
    const [other, cache] = h.spans();
    expect(other?.name).toBe('OTHER');
    expect(cache?.name).toBe('cache.getOrLoad');
    expect(cache?.kind).toBe(SpanKind.INTERNAL);
    expect(cache?.attributes).toEqual({});
  });

  it('a sampled-out call records nothing', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const h = harness({}, { tracerProvider: provider });
    const call = h.telemetry.instrumentation.startCall('get', []);
    call.attemptEnd(1, at(0), at(1), 'timeout');
    call.retry(1, 5, 'timeout');
    call.end('failure', 1, new Error('x'));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('pins the span content of a success, a retry and a rejection: names, kinds, attributes, events, status', () => {
    const h = harness();
    const instr = h.telemetry.instrumentation;
    const ok = instr.startCall('get', ['k']);
    ok.attemptEnd(1, at(0), at(1), undefined);
    ok.end('success', 1);
    const retried = instr.startCall('set', ['k', 'v']);
    retried.attemptEnd(1, at(0), at(2), 'timeout');
    retried.retry(1, 10, 'timeout');
    retried.attemptEnd(2, at(12), at(13), undefined);
    retried.end('success', 2);
    const rejected = instr.startCall('get', ['k']);
    rejected.rejected('open', 'default');
    rejected.end('rejected', 0, new CircuitOpenError('get', 'open', 'default'));

    const base = {
      'db.system.name': 'redis',
      'db.namespace': '2',
      'server.address': '10.1.2.3',
      'server.port': 6380,
    };
    const ids = new Map(h.spans().map((s, i) => [s.spanContext().spanId, i]));
    const summary = h.spans().map((s) => ({
      name: s.name,
      kind: SpanKind[s.kind],
      parent: s.parentSpanContext ? ids.get(s.parentSpanContext.spanId) : undefined,
      attributes: s.attributes,
      events: s.events.map((e) => [e.name, e.attributes]),
      status: SpanStatusCode[s.status.code],
    }));
    expect(summary).toEqual([
      {
        name: 'GET',
        kind: 'CLIENT',
        parent: undefined,
        attributes: { ...base, 'db.operation.name': 'GET' },
        events: [],
        status: 'UNSET',
      },
      {
        name: 'SET',
        kind: 'CLIENT',
        parent: 3,
        attributes: {
          ...base,
          'db.operation.name': 'SET',
          'redis_resilience.attempt': 1,
          'error.type': 'timeout',
        },
        events: [],
        status: 'ERROR',
      },
      {
        name: 'SET',
        kind: 'CLIENT',
        parent: 3,
        attributes: { ...base, 'db.operation.name': 'SET', 'redis_resilience.attempt': 2 },
        events: [],
        status: 'UNSET',
      },
      {
        name: 'SET',
        kind: 'INTERNAL',
        parent: undefined,
        attributes: { ...base, 'db.operation.name': 'SET' },
        events: [['retry', { attempt: 1, delay_ms: 10, 'error.type': 'timeout' }]],
        status: 'UNSET',
      },
      {
        name: 'GET',
        kind: 'INTERNAL',
        parent: undefined,
        attributes: {
          ...base,
          'db.operation.name': 'GET',
          'redis_resilience.outcome': 'rejected',
          'error.type': 'circuit_open',
        },
        events: [['circuit_breaker.rejected', { state: 'open', node: 'default' }]],
        status: 'ERROR',
      },
    ]);
  });

  it('samplerAttributes: the sampler sees the call attributes only when asked; the exported span is the same', () => {
    const exported = (samplerAttributes: boolean) => {
      const sampler = new CountingSampler();
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
      const h = harness({ tracing: { samplerAttributes } }, { tracerProvider: provider });
      h.telemetry.instrumentation.startCall('get', ['k']).end('success', 1);
      return { shown: sampler.shown, attributes: exporter.getFinishedSpans().map((s) => s.attributes) };
    };
    const off = exported(false);
    const on = exported(true);
    expect(off.shown).toEqual([{}]);
    expect(on.shown).toEqual([expect.objectContaining({ 'db.system.name': 'redis', 'db.operation.name': 'GET' })]);
    expect(on.attributes).toEqual(off.attributes);
    expect(off.attributes[0]).toMatchObject({ 'db.system.name': 'redis', 'server.port': 6380 });
  });

  describe('with a context manager', () => {
    beforeAll(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    });
    afterAll(() => {
      context.disable();
    });

    it('runInContext makes calls inside a fallback children of its span; fallback events are recorded', async () => {
      const h = harness();
      const instr = h.telemetry.instrumentation;
      const outer = instr.startCall('cache.getOrLoad', ['user:1']);
      const result = await outer.runInContext(async () => {
        await Promise.resolve();
        const inner = instr.startCall('get', ['user:1']);
        inner.end('success', 1);
        expect(trace.getActiveSpan()?.spanContext().spanId).toBe(
          h.spans().find((s) => s.name === 'GET')?.parentSpanContext?.spanId,
        );
        return 'loaded';
      });
      outer.fallback('cache_aside', 'circuit_open', true);
      outer.end('fallback', 0);

      expect(result).toBe('loaded');
      const cache = h.byName('cache.getOrLoad')[0]!;
      const get = h.byName('GET')[0]!;
      expect(get.parentSpanContext?.spanId).toBe(cache.spanContext().spanId);
      expect(cache.events.map((e) => [e.name, e.attributes])).toEqual([
        ['fallback', { type: 'cache_aside', reason: 'circuit_open', served: true }],
      ]);
      // Served by the fallback: not an error for the caller.
      expect(cache.status.code).toBe(SpanStatusCode.UNSET);
      expect(cache.attributes['redis_resilience.outcome']).toBe('fallback');
    });

    it("runInContext passes fn's own errors through", () => {
      const h = harness();
      const call = h.telemetry.instrumentation.startCall('cache.getOrLoad', []);
      expect(() =>
        call.runInContext(() => {
          throw new Error('loader failed');
        }),
      ).toThrow('loader failed');
    });

    it('an attempt is handed to a patching driver instrumentation with tracing suppressed: it adds no span', () => {
      const h = harness();
      const driver = h.provider.getTracer('@opentelemetry/instrumentation-ioredis');
      h.provider.getTracer('app').startActiveSpan('GET /cart', (request) => {
        const call = h.telemetry.instrumentation.startCall('get', ['k']);
        const recording = call.sendAttempt(
          {
            send: () => {
              const span = driver.startSpan('get');
              span.end();
              return span.isRecording();
            },
          },
          instrumentedClient(),
        );
        expect(recording).toBe(false);
        call.attemptEnd(1, at(0), at(1), undefined);
        call.end('success', 1);
        // Outside the hand-over the app's context is untouched.
        expect(driver.startSpan('after').isRecording()).toBe(true);
        request.end();
      });
      const names = h.spans().map((s) => [s.name, s.kind, s.instrumentationScope.name]);
      expect(names).toEqual([
        ['GET', SpanKind.CLIENT, '@redis-resilience/core'],
        ['GET /cart', SpanKind.INTERNAL, 'app'],
      ]);
    });

    it('with a subscriber on ioredis:command (a channel-based instrumentation) attempts are suppressed too', () => {
      const h = harness();
      const channel = tracingChannel('ioredis:command');
      const handlers = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
      channel.subscribe(handlers);
      try {
        h.provider.getTracer('app').startActiveSpan('GET /cart', (request) => {
          const call = h.telemetry.instrumentation.startCall('get', ['k']);
          const suppressed = call.sendAttempt(
            { send: () => context.active().getValue(SUPPRESS_TRACING_KEY) },
            plainClient(),
          );
          expect(suppressed).toBe(true);
          call.end('success', 1);
          request.end();
        });
      } finally {
        channel.unsubscribe(handlers);
      }
    });

    it('with no driver instrumentation an attempt runs in the caller context as it is (no context switch)', () => {
      const h = harness();
      h.provider.getTracer('app').startActiveSpan('GET /cart', (request) => {
        const caller = context.active();
        const call = h.telemetry.instrumentation.startCall('get', ['k']);
        expect(call.sendAttempt({ send: () => context.active() }, plainClient())).toBe(caller);
        call.end('success', 1);
        request.end();
      });
      expect(h.byName('GET')).toHaveLength(1);
    });

    it('inside a trace the sampler dropped, a call makes no span and does not ask the sampler', () => {
      const sampler = new CountingSampler();
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
      const h = harness({}, { tracerProvider: provider });
      const parent = (traceFlags: number) =>
        trace.setSpan(
          context.active(),
          trace.wrapSpanContext({
            traceId: '0af7651916cd43dd8448eb211c80319c',
            spanId: 'b7ad6b7169203331',
            traceFlags,
          }),
        );
      context.with(parent(0), () => {
        const call = h.telemetry.instrumentation.startCall('get', ['k']);
        call.attemptEnd(1, at(0), at(1), 'timeout');
        call.retry(1, 5, 'timeout');
        call.end('failure', 1, new Error('x'));
      });
      expect(sampler.asked).toEqual([]);
      expect(exporter.getFinishedSpans()).toEqual([]);
      // A sampled parent: the call is traced, under it.
      context.with(parent(1), () => h.telemetry.instrumentation.startCall('get', ['k']).end('success', 1));
      expect(sampler.asked).toEqual(['GET']);
      expect(exporter.getFinishedSpans().map((s) => s.parentSpanContext?.spanId)).toEqual(['b7ad6b7169203331']);
      // An invalid parent (the all-zero ids a no-op tracer hands out) is no parent: the call is a root, sampled anew.
      context.with(trace.setSpan(context.active(), trace.wrapSpanContext(INVALID_SPAN_CONTEXT)), () =>
        h.telemetry.instrumentation.startCall('get', ['k']).end('success', 1),
      );
      expect(sampler.asked).toEqual(['GET', 'GET']);
      expect(exporter.getFinishedSpans()[1]?.parentSpanContext).toBeUndefined();
    });

    it('tracing: false makes no spans and leaves the driver its own (nothing suppressed)', () => {
      const h = harness({ tracing: false });
      const driver = h.provider.getTracer('driver');
      const call = h.telemetry.instrumentation.startCall('get', ['k']);
      expect(call.sendAttempt({ send: () => driver.startSpan('get').isRecording() }, undefined)).toBe(true);
      call.end('success', 1);
      expect(h.byName('GET')).toEqual([]);
    });

    it('requireParentSpan: calls without an active span (background work) make no span, and suppress nothing', () => {
      const h = harness({ tracing: { requireParentSpan: true } });
      const instr = h.telemetry.instrumentation;
      const background = instr.startCall('queue.replay', []);
      background.runInContext(() => instr.startCall('xadd', []).end('success', 1));
      background.end('success', 0);
      instr.emit('slowCommand', { command: 'keys', durationMicros: 20_000, timestamp: 1_700_000_000 });
      expect(h.spans()).toEqual([]);
      h.provider.getTracer('app').startActiveSpan('POST /orders', (request) => {
        instr.startCall('xadd', []).end('success', 1);
        request.end();
      });
      expect(h.spans().map((s) => s.name)).toEqual(['XADD', 'POST /orders']);
    });

    it('logical spans are children of the active span of the app', () => {
      const h = harness();
      const appTracer = h.provider.getTracer('app');
      appTracer.startActiveSpan('GET /checkout', (parent) => {
        h.telemetry.instrumentation.startCall('get', []).end('success', 1);
        parent.end();
      });
      const spans = h.spans();
      expect(spans.map((s) => s.name)).toEqual(['GET', 'GET /checkout']);
      const [get, parent] = spans as [ReadableSpan, ReadableSpan];
      expect(get.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(get.spanContext().traceId).toBe(parent.spanContext().traceId);
    });
  });

  it('with no tracer provider registered, calls still work and runInContext still runs fn', () => {
    const h = harness({}, { tracerProvider: trace.getTracerProvider() });
    const call = h.telemetry.instrumentation.startCall('get', []);
    call.attemptEnd(1, at(0), at(1), 'timeout');
    call.retry(1, 5, 'timeout');
    call.rejected('open', 'default');
    expect(call.runInContext(() => 42)).toBe(42);
    call.end('failure', 1, new Error('x'));
    expect(h.spans()).toEqual([]);
  });
});
