import { gzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../src/index.js';

// Shaped like @opentelemetry/otlp-transformer's JSON encoder output: hex ids, numeric enums,
// intValue as a number (and as a string, which the OTLP JSON mapping also allows).
const payload = {
  resourceSpans: [
    {
      resource: {
        attributes: [{ key: 'service.name', value: { stringValue: 'testkit-app' } }],
        droppedAttributesCount: 0,
      },
      scopeSpans: [
        {
          scope: { name: '@redis-resilience/core', version: '0.1.0' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'redis.GET',
              kind: 3,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000001000000',
              attributes: [
                { key: 'db.system', value: { stringValue: 'redis' } },
                { key: 'retry.count', value: { intValue: 2 } },
                { key: 'big', value: { intValue: '9007199254740991' } },
                { key: 'ratio', value: { doubleValue: 0.5 } },
                { key: 'cached', value: { boolValue: false } },
                { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } } },
                { key: 'meta', value: { kvlistValue: { values: [{ key: 'x', value: { boolValue: true } }] } } },
              ],
              events: [
                {
                  name: 'retry',
                  timeUnixNano: '1700000000000500000',
                  attributes: [{ key: 'attempt', value: { intValue: 1 } }],
                },
              ],
              status: { code: 2, message: 'ETIMEDOUT' },
              links: [],
            },
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: '0123456789abcdef',
              parentSpanId: 'eee19b7ec3c1b174',
              name: 'child',
              kind: 1,
              attributes: [],
              events: [],
              status: {},
            },
          ],
        },
      ],
    },
  ],
};

/** The scalar attributes of `payload`'s first span, decoded. */
const SCALARS = { 'db.system': 'redis', 'retry.count': 2, big: 9007199254740991, ratio: 0.5, cached: false };

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(() => receiver.close());

function post(body: string | Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(receiver.tracesUrl, { method: 'POST', headers, body });
}

describe('startOtlpReceiver', () => {
  it('accepts OTLP/JSON, keeps the raw body and flattens the spans', async () => {
    expect(receiver.tracesUrl).toBe(`${receiver.url}/v1/traces`);
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post(JSON.stringify(payload), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});

    expect(receiver.rawBodies()).toEqual([JSON.stringify(payload)]);
    const spans = receiver.spans();
    expect(spans).toHaveLength(2);
    expect(spans[0]).toEqual({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name: 'redis.GET',
      kind: 3,
      status: { code: 2, message: 'ETIMEDOUT' },
      attributes: { ...SCALARS, tags: ['a', 1], meta: { x: true } },
      events: [{ name: 'retry', attributes: { attempt: 1 } }],
      resource: { 'service.name': 'testkit-app' },
      scope: '@redis-resilience/core',
    });
    expect(spans[0]).not.toHaveProperty('parentSpanId');
    expect(spans[1]).toMatchObject({ name: 'child', parentSpanId: 'eee19b7ec3c1b174', status: {}, kind: 1 });
  });

  it('waitForSpans resolves once the predicate holds, clear() forgets everything', async () => {
    const waiting = receiver.waitForSpans((spans) => spans.some((s) => s.name === 'child'));
    await post(JSON.stringify(payload), { 'content-type': 'application/json; charset=utf-8' });
    const spans = await waiting;
    expect(spans.map((s) => s.name)).toEqual(['redis.GET', 'child']);

    receiver.clear();
    expect(receiver.spans()).toEqual([]);
    expect(receiver.rawBodies()).toEqual([]);
    await expect(receiver.waitForSpans((s) => s.length > 0, 100)).rejects.toThrow(/received 0 span/);
  });

  it('decompresses gzip bodies', async () => {
    const res = await post(gzipSync(JSON.stringify(payload)), {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    expect(receiver.rawBodies()[0]).toContain('redis.GET');
    expect(receiver.spans()).toHaveLength(2);
  });

  it('decodes OTLP/HTTP protobuf from the official protobuf exporter', async () => {
    // Real spans from the SDK, exported by @opentelemetry/exporter-trace-otlp-proto (Content-Type: application/x-protobuf).
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const tracer = provider.getTracer('@redis-resilience/core', '0.1.0');
    const span = tracer.startSpan('redis.GET', { kind: SpanKind.CLIENT });
    const attributes = { ...SCALARS, empty: '', tags: ['a', 'b'] };
    span.setAttributes(attributes);
    span.addEvent('retry', { attempt: 1 });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'ETIMEDOUT' });
    tracer.startSpan('child', { kind: SpanKind.INTERNAL }, trace.setSpan(context.active(), span)).end();
    span.end();
    const [child, parent] = memory.getFinishedSpans() as [ReadableSpan, ReadableSpan];

    const exporter = new OTLPTraceExporter({ url: receiver.tracesUrl });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
      exporter.export([parent, child], resolve),
    );
    await exporter.shutdown();
    await provider.shutdown();
    expect({ code: result.code, error: result.error?.message }).toEqual({ code: 0, error: undefined }); // SUCCESS

    const spans = receiver.spans();
    expect(spans).toHaveLength(2);
    expect(spans[0]).toEqual({
      traceId: parent.spanContext().traceId,
      spanId: parent.spanContext().spanId,
      name: 'redis.GET',
      kind: 3,
      status: { code: 2, message: 'ETIMEDOUT' },
      attributes,
      events: [{ name: 'retry', attributes: { attempt: 1 } }],
      resource: expect.objectContaining({ 'telemetry.sdk.language': 'nodejs' }),
      scope: '@redis-resilience/core',
    });
    expect(spans[0]).not.toHaveProperty('parentSpanId');
    expect(spans[1]).toMatchObject({
      traceId: parent.spanContext().traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: parent.spanContext().spanId,
      name: 'child',
      kind: 1,
      status: {},
    });
    expect(receiver.rawBodies()).toHaveLength(1);
    expect(receiver.rawBodies()[0]).toContain('redis.GET'); // strings stand verbatim in the binary body
  });

  it('answers a protobuf export in protobuf: an empty ExportTraceServiceResponse', async () => {
    // Zero bytes are a valid ExportTraceServiceRequest (no spans), and the empty response encodes to zero bytes too.
    const res = await post(Buffer.alloc(0), { 'Content-Type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(receiver.spans()).toEqual([]);
  });

  it('answers 400 to a malformed protobuf body, and 415 to an encoding OTLP does not define', async () => {
    // Field 1 (resourceSpans) announces 5 bytes and ends after 1.
    const truncated = await post(Buffer.from([0x0a, 0x05, 0x01]), { 'Content-Type': 'application/x-protobuf' });
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as { message: string }).message).toMatch(/^invalid protobuf/);
    const text = await post('redis.GET', { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { message: string }).message).toMatch(/application\/x-protobuf/);
    expect(receiver.spans()).toEqual([]);
  });

  it('answers 400 to malformed JSON', async () => {
    const res = await post('{not json', { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect(receiver.spans()).toEqual([]);
  });
});
