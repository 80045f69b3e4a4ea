import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { type DecodedSpan, flattenTraceRequest } from './otlp-decode.js';
import { decodeTraceRequestProtobuf, TRACE_RESPONSE_PROTOBUF } from './otlp-protobuf.js';
import { waitFor } from './wait.js';

export type ReceivedSpan = DecodedSpan;

export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:P (what OTEL_EXPORTER_OTLP_ENDPOINT expects). */
  readonly url: string;
  /** `${url}/v1/traces` (what the trace exporter's `url` option expects). */
  readonly tracesUrl: string;
  /**
   * Every request body received, decompressed, as text: lets tests assert a secret appears nowhere. Strings stand
   * verbatim in protobuf bodies too, as UTF-8 bytes among the binary fields.
   */
  rawBodies(): string[];
  spans(): ReceivedSpan[];
  waitForSpans(pred: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  clear(): void;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The exporter gzips when OTEL_EXPORTER_OTLP_COMPRESSION=gzip; undo it so assertions see plain text. */
function decompress(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.toLowerCase()) {
    case 'gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    default:
      return body;
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The request body as an OTLP/JSON-shaped object, by its Content-Type, or what is wrong with it. */
function parseExport(type: string, body: Buffer): { request: unknown } | { error: string } {
  try {
    return {
      request: type === 'application/x-protobuf' ? decodeTraceRequestProtobuf(body) : JSON.parse(body.toString()),
    };
  } catch (err) {
    const what = type === 'application/x-protobuf' ? 'protobuf ExportTraceServiceRequest' : 'JSON';
    return { error: `invalid ${what}: ${(err as Error).message}` };
  }
}

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1, so tests observe exactly what an exporter sends. It takes both
 * encodings that OTLP/HTTP (and Jaeger's OTLP endpoint) accepts: JSON and protobuf.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let bodies: string[] = [];
  let received: ReceivedSpan[] = [];

  const server = http.createServer(async (req, res) => {
    try {
      const body = decompress(await readBody(req), req.headers['content-encoding']);
      bodies.push(body.toString('utf8'));
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/v1/traces') {
        reply(res, 404, { message: `this test receiver only accepts POST /v1/traces, got ${req.method} ${req.url}` });
        return;
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json' && type !== 'application/x-protobuf') {
        reply(res, 415, {
          message: `unsupported Content-Type ${type}; expected application/json or application/x-protobuf`,
        });
        return;
      }
      const parsed = parseExport(type, body);
      if ('error' in parsed) {
        reply(res, 400, { message: parsed.error });
        return;
      }
      received.push(...flattenTraceRequest(parsed.request));
      // OTLP/HTTP answers in the encoding of the request.
      if (type === 'application/x-protobuf') {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end(TRACE_RESPONSE_PROTOBUF);
      } else {
        reply(res, 200, {});
      }
    } catch (err) {
      reply(res, 400, { message: (err as Error).message });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    rawBodies: () => [...bodies],
    spans: () => [...received],
    waitForSpans: (pred, timeoutMs = 10_000) =>
      waitFor(
        () => {
          const snapshot = [...received];
          return pred(snapshot) ? snapshot : undefined;
        },
        { timeoutMs, message: `spans matching the predicate at ${url}` },
      ).catch((err: Error) => {
        const names = received.map((span) => span.name).join(', ');
        throw new Error(`${err.message}; received ${received.length} span(s): [${names}]`, { cause: err });
      }),
    clear() {
      bodies = [];
      received = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // exporters keep connections alive; do not wait for them to idle out
      }),
  };
}
