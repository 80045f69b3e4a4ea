/*
 * OTLP/HTTP protobuf bodies, read with the code generated from the official opentelemetry-proto definitions that
 * @opentelemetry/otlp-transformer shipped up to 0.215 (later releases encode by hand and ship no decoder).
 */
import { createRequire } from 'node:module';

interface MessageType {
  decode(body: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  toObject(message: object, options: Record<string, unknown>): unknown;
}

interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: { trace: { v1: Record<'ExportTraceServiceRequest' | 'ExportTraceServiceResponse', MessageType> } };
    };
  };
}

// A CommonJS module without types of its own (its .d.ts declares a bare protobufjs Root).
const root = createRequire(import.meta.url)(
  '@opentelemetry/otlp-transformer/build/src/generated/root.js',
) as GeneratedRoot;
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

/**
 * An ExportTraceServiceRequest in protobuf, as the plain object of the OTLP/JSON mapping that flattenTraceRequest
 * reads: 64-bit integers as decimal strings, ids (bytes) as base64, enums as numbers. Throws on a malformed body.
 */
export function decodeTraceRequestProtobuf(body: Uint8Array): unknown {
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String });
}

/** The success reply to a protobuf export: an empty ExportTraceServiceResponse (no partial success). */
export const TRACE_RESPONSE_PROTOBUF: Uint8Array = ExportTraceServiceResponse.encode({}).finish();
