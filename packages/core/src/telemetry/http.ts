/**
 * Serving metrics: a handler for node:http, Express and Fastify, and the small built-in `/metrics` listener for
 * `metrics: { port }`.
 */
import { createServer, type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { CONTENT_TYPES, type ExpositionFormat, negotiateFormat } from './exposition.js';

/** What a handler needs: anything that renders this instance's metrics (a Telemetry, or `rr` itself). */
export interface MetricsSource {
  metrics(format?: ExpositionFormat): Promise<string>;
}

/** The slice of a Fastify reply the handler uses; Express's `res` is a ServerResponse and takes the other path. */
interface ReplyLike {
  code(status: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: string): unknown;
}

interface RequestLike {
  headers: IncomingMessage['headers'];
}

/** Resolves with Fastify's reply (Fastify wants it back from an async handler that sent), else undefined. */
export type MetricsHandler = (req: RequestLike, res: ServerResponse | ReplyLike) => Promise<unknown>;

function respond(res: ServerResponse | ReplyLike, status: number, contentType: string, body: string): unknown {
  if (res instanceof ServerResponse) {
    res.statusCode = status;
    res.setHeader('Content-Type', contentType);
    res.end(body);
    return undefined;
  }
  return res.code(status).header('Content-Type', contentType).send(body);
}

/**
 * `app.get('/metrics', metricsHandler(rr))` (Express), `fastify.get('/metrics', metricsHandler(rr))`, or
 * `http.createServer(metricsHandler(rr))`. OpenMetrics (with exemplars) when the scraper asks for it.
 */
export function metricsHandler(source: MetricsSource): MetricsHandler {
  return async (req, res) => {
    const format = negotiateFormat(req.headers.accept);
    let body: string;
    try {
      body = await source.metrics(format);
    } catch (err) {
      diag.error('@redis-resilience/core: rendering metrics failed', err);
      return respond(res, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n');
    }
    return respond(res, 200, CONTENT_TYPES[format], body);
  };
}

export interface MetricsServer {
  readonly port: number;
  /** The address it is bound to. */
  readonly address: string;
  close(): Promise<void>;
}

/** The listener's bounds (see MetricsOptions): a scraper cannot hold sockets or the process. */
export interface MetricsListenerOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
}

/** GET (or HEAD) /metrics on `host:port`; 404 for anything else. */
export function startMetricsServer(opts: MetricsListenerOptions, handler: MetricsHandler): Promise<MetricsServer> {
  const { port, host } = opts;
  const server: Server = createServer(
    {
      headersTimeout: opts.headersTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
      keepAliveTimeout: opts.idleTimeoutMs,
      // node:http checks the header and request deadlines on this interval (30 s by default).
      connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs),
    },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.statusCode = path === '/metrics' ? 405 : 404;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(res.statusCode === 404 ? 'not found: metrics are at /metrics\n' : 'method not allowed\n');
        return;
      }
      handler(req, res).catch((err: unknown) => {
        diag.error('@redis-resilience/core: metrics request failed', err);
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
    },
  );
  // A socket with no traffic for this long is destroyed, whether it never sent a request or sits between two.
  server.timeout = opts.idleTimeoutMs;
  server.maxConnections = opts.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      // The listener serves the app; it must not be what keeps a finished process alive.
      server.unref();
      const bound = server.address() as AddressInfo;
      resolve({
        port: bound.port,
        address: bound.address,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
