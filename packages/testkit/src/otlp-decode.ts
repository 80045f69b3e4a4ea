/*
 * Decoding of OTLP/JSON trace export requests (ExportTraceServiceRequest) into flat, plain-JS spans.
 * Field shapes follow the OTLP JSON mapping as produced by @opentelemetry/otlp-transformer's JSON encoder:
 * ids are hex strings, intValue may be a number or a decimal string (64-bit ints), enums are numbers.
 * A decoded protobuf request (otlp-protobuf.ts) arrives in the same shape, with its ids in base64.
 */

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
  scope: string;
}

type Json = Record<string, unknown>;

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Decodes an OTLP AnyValue into the JS value it was made from. */
export function decodeAnyValue(value: unknown): unknown {
  if (!isObject(value)) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return value.bytesValue; // base64 text, left as is
  if ('arrayValue' in value) {
    const array = isObject(value.arrayValue) ? value.arrayValue.values : undefined;
    return list(array).map(decodeAnyValue);
  }
  if ('kvlistValue' in value) {
    return decodeAttributes(isObject(value.kvlistValue) ? value.kvlistValue.values : undefined);
  }
  return undefined;
}

/** Decodes a KeyValue[] list into an object. */
export function decodeAttributes(keyValues: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list(keyValues)) {
    if (isObject(kv) && typeof kv.key === 'string') out[kv.key] = decodeAnyValue(kv.value);
  }
  return out;
}

/** Ids are hex in OTLP/JSON; tolerate base64 (the generic protobuf JSON mapping) by converting it. */
function decodeId(value: unknown, bytes: number): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length === bytes * 2 && /^[0-9a-f]+$/i.test(value)) return value.toLowerCase();
  const raw = Buffer.from(value, 'base64');
  return raw.length === bytes ? raw.toString('hex') : value;
}

function decodeEnum(value: unknown, names: Record<string, number>): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return names[value] ?? (Number.isFinite(Number(value)) ? Number(value) : undefined);
  return undefined;
}

function decodeSpan(span: Json, resource: Record<string, unknown>, scope: string): DecodedSpan {
  const status = isObject(span.status) ? span.status : {};
  const decoded: DecodedSpan = {
    traceId: decodeId(span.traceId, 16) ?? '',
    spanId: decodeId(span.spanId, 8) ?? '',
    name: typeof span.name === 'string' ? span.name : '',
    kind: decodeEnum(span.kind, SPAN_KINDS) ?? 0,
    status: {},
    attributes: decodeAttributes(span.attributes),
    events: list(span.events)
      .filter(isObject)
      .map((event) => ({
        name: typeof event.name === 'string' ? event.name : '',
        attributes: decodeAttributes(event.attributes),
      })),
    resource,
    scope,
  };
  const parentSpanId = decodeId(span.parentSpanId, 8);
  if (parentSpanId !== undefined) decoded.parentSpanId = parentSpanId;
  const code = decodeEnum(status.code, STATUS_CODES);
  if (code !== undefined) decoded.status.code = code;
  if (typeof status.message === 'string') decoded.status.message = status.message;
  return decoded;
}

/** Flattens resourceSpans[].scopeSpans[].spans[] into one list, each span carrying its resource and scope. */
export function flattenTraceRequest(request: unknown): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  if (!isObject(request)) return spans;
  for (const resourceSpans of list(request.resourceSpans).filter(isObject)) {
    const resource = decodeAttributes(isObject(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined);
    for (const scopeSpans of list(resourceSpans.scopeSpans).filter(isObject)) {
      const scope =
        isObject(scopeSpans.scope) && typeof scopeSpans.scope.name === 'string' ? scopeSpans.scope.name : '';
      for (const span of list(scopeSpans.spans).filter(isObject)) spans.push(decodeSpan(span, resource, scope));
    }
  }
  return spans;
}
