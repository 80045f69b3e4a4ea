import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { type DecodedSpan, flattenTraceRequest } from './otlp-decode.js';
import { waitFor } from './wait.js';

export type ReceivedSpan = DecodedSpan;

export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:P (what OTEL_EXPORTER_OTLP_ENDPOINT expects). */
  readonly url: string;
  /** `${url}/v1/traces` (what the trace exporter's `url` option expects). */
  readonly tracesUrl: string;
  /** Every request body received, decompressed, as text: lets tests assert a secret appears nowhere. */
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

/** A real OTLP/HTTP (JSON) trace receiver on 127.0.0.1, so tests observe exactly what an exporter sends. */
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
      if (type === 'application/x-protobuf') {
        reply(res, 415, {
          message:
            'this test receiver decodes OTLP/HTTP JSON only: use @opentelemetry/exporter-trace-otlp-http ' +
            '(Content-Type: application/json), not the protobuf exporter',
        });
        return;
      }
      if (type !== 'application/json') {
        reply(res, 415, { message: `unsupported Content-Type ${type}; expected application/json` });
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (err) {
        reply(res, 400, { message: `invalid JSON: ${(err as Error).message}` });
        return;
      }
      received.push(...flattenTraceRequest(parsed));
      reply(res, 200, {});
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
