import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isPortClosed, waitFor } from '@redis-resilience/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_TYPES } from '../../src/telemetry/exposition.js';
import { metricsHandler } from '../../src/telemetry/http.js';
import { harness } from './harness.js';

const OPENMETRICS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('metrics over HTTP', () => {
  it('metricsHandler serves a node:http server, negotiating the format', async () => {
    const h = harness();
    h.telemetry.instrumentation.startCall('get', []).end('success', 1);
    const traceId = h.byName('GET')[0]!.spanContext().traceId;
    const server = createServer(metricsHandler(h.telemetry));
    const port = await listen(server);
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));

    const plain = await fetch(`http://127.0.0.1:${port}/`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe(CONTENT_TYPES.prometheus);
    expect(await plain.text()).toContain('redis_resilience_retry_calls_total');

    const om = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: OPENMETRICS_ACCEPT } });
    expect(om.headers.get('content-type')).toBe(CONTENT_TYPES.openmetrics);
    expect(await om.text()).toContain(`trace_id="${traceId}"`);
  });

  it('metricsHandler answers 500, without throwing, when rendering fails', async () => {
    const server = createServer(
      metricsHandler({
        metrics: () => Promise.reject(new Error('boom')),
      }),
    );
    const port = await listen(server);
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(500);
  });

  it('metricsHandler speaks to a Fastify-style reply', async () => {
    const h = harness();
    const sent: { status?: number; headers: Record<string, string>; body?: string } = { headers: {} };
    const reply = {
      code(s: number) {
        sent.status = s;
        return reply;
      },
      header(k: string, v: string) {
        sent.headers[k.toLowerCase()] = v;
        return reply;
      },
      send(b: string) {
        sent.body = b;
        return reply;
      },
    };
    const returned = await metricsHandler(h.telemetry)({ headers: { accept: OPENMETRICS_ACCEPT } }, reply);
    expect(returned).toBe(reply);
    expect(sent.status).toBe(200);
    expect(sent.headers['content-type']).toBe(CONTENT_TYPES.openmetrics);
    expect(sent.body).toMatch(/# EOF\n$/);
  });

  it('metrics: { port } serves GET /metrics only, and close() stops the listener', async () => {
    const h = harness({ metrics: { port: 0, host: '127.0.0.1' } });
    expect(h.telemetry.serverAddress()).toBeUndefined();
    await h.telemetry.startServer();
    await h.telemetry.startServer(); // idempotent
    const port = h.telemetry.serverAddress()!.port;
    expect(port).toBeGreaterThan(0);

    const ok = await fetch(`http://127.0.0.1:${port}/metrics?x=1`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('redis_resilience_circuit_breaker_state');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics/x`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);

    await h.telemetry.close();
    await h.telemetry.close();
    expect(await isPortClosed(port)).toBe(true);
    expect(h.telemetry.serverAddress()).toBeUndefined();
  });

  it('without metrics.port, startServer does nothing', async () => {
    const h = harness();
    await h.telemetry.startServer();
    expect(h.telemetry.serverAddress()).toBeUndefined();
  });

  it('a real Prometheus scrapes the listener over OpenMetrics and stores the exemplar with the trace id', async () => {
    const h = harness({ metrics: { port: 0, host: '127.0.0.1' } });
    await h.telemetry.startServer();
    cleanups.push(() => h.telemetry.close());
    h.telemetry.instrumentation.startCall('get', []).end('success', 1);
    const traceId = h.byName('GET')[0]!.spanContext().traceId;

    const dir = mkdtempSync(join(tmpdir(), 'rr-prom-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: rr\n    static_configs: [{ targets: ['127.0.0.1:${h.telemetry.serverAddress()!.port}'] }]\n`,
    );
    const webPort = await freePort();
    const prometheus: ChildProcess = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
        '--enable-feature=exemplar-storage',
      ],
      { stdio: 'ignore' },
    );
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          if (prometheus.exitCode !== null) return resolve();
          prometheus.once('exit', () => resolve());
          prometheus.kill('SIGKILL');
        }),
    );

    const api = `http://127.0.0.1:${webPort}/api/v1`;
    const exemplar = await waitFor(
      async () => {
        const now = Date.now() / 1000;
        const q = encodeURIComponent('redis_resilience_operation_duration_seconds_bucket');
        const res = await fetch(`${api}/query_exemplars?query=${q}&start=${now - 300}&end=${now + 60}`);
        const body = (await res.json()) as {
          data?: { exemplars: { labels: Record<string, string> }[] }[];
        };
        return body.data?.flatMap((d) => d.exemplars).find((e) => e.labels.trace_id === traceId);
      },
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        message: 'Prometheus to store the exemplar of the traced call',
        fatal: () => prometheus.exitCode !== null && `prometheus exited with code ${prometheus.exitCode}`,
      },
    );
    expect(exemplar.labels.span_id).toBe(h.byName('GET')[0]!.spanContext().spanId);

    // The same scrape yields the counters under their _total names.
    const res = await fetch(`${api}/query?query=${encodeURIComponent('redis_resilience_retry_calls_total')}`);
    const body = (await res.json()) as { data: { result: unknown[] } };
    expect(body.data.result.length).toBe(4);
  });
});

describe('the built-in /metrics listener is bounded', () => {
  /** A raw TCP client that records when the server closed it and what it received. */
  function client(port: number, request?: string) {
    const c = { socket: undefined as unknown as Socket, openedAt: 0, closedAt: 0, received: '' };
    c.socket = connect(port, '127.0.0.1');
    c.socket.setEncoding('utf8').on('data', (d: string) => {
      c.received += d;
    });
    c.socket.on('error', () => {}); // a reset is one way for the server to close it
    c.socket.once('close', () => {
      c.closedAt = performance.now();
    });
    const connected = new Promise<void>((r) =>
      c.socket.once('connect', () => {
        c.openedAt = performance.now();
        if (request) c.socket.write(request);
        r();
      }),
    );
    return Object.assign(c, { connected });
  }
  const GET = 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n';

  it('binds loopback unless told otherwise', async () => {
    const h = harness({ metrics: { port: 0 } });
    cleanups.push(() => h.telemetry.close());
    await h.telemetry.startServer();
    expect(h.telemetry.serverAddress()?.address).toBe('127.0.0.1');
  });

  it('closes idle sockets after idleTimeoutMs: 500 that never sent a request, and one idle after a response', async () => {
    const idleTimeoutMs = 500;
    const h = harness({ metrics: { port: 0, idleTimeoutMs, maxConnections: 1000 } });
    cleanups.push(() => h.telemetry.close());
    await h.telemetry.startServer();
    const port = h.telemetry.serverAddress()!.port;
    const idle = Array.from({ length: 500 }, () => client(port));
    const keptAlive = client(port, GET);
    cleanups.push(() => {
      for (const c of [...idle, keptAlive]) c.socket.destroy();
    });
    await Promise.all([...idle, keptAlive].map((c) => c.connected));
    await waitFor(() => [...idle, keptAlive].every((c) => c.closedAt > 0), {
      timeoutMs: idleTimeoutMs + 2500,
      message: 'the server to close every idle socket',
    });
    expect(keptAlive.received).toMatch(/^HTTP\/1\.1 200 OK/);
    const lived = [...idle, keptAlive].map((c) => c.closedAt - c.openedAt).sort((a, b) => a - b);
    console.log(`idle sockets closed ${lived[0]!.toFixed(0)}-${lived.at(-1)!.toFixed(0)} ms after connecting`);
    // Not before the timeout: it is an idle timeout, not a cap on connection age.
    expect(lived[0]).toBeGreaterThanOrEqual(idleTimeoutMs - 50);
  });

  it('refuses connections beyond maxConnections, and takes new ones once a slot is free', async () => {
    const h = harness({ metrics: { port: 0, maxConnections: 5, idleTimeoutMs: 60_000 } });
    cleanups.push(() => h.telemetry.close());
    await h.telemetry.startServer();
    const port = h.telemetry.serverAddress()!.port;
    // Five keep-alive connections the server has surely accepted: each got its response.
    const held = Array.from({ length: 5 }, () => client(port, GET));
    cleanups.push(() => {
      for (const c of held) c.socket.destroy();
    });
    await waitFor(() => held.every((c) => c.received.includes('redis_resilience_')), {
      timeoutMs: 5000,
      message: 'five scrapes answered',
    });
    const extra = client(port, GET);
    await waitFor(() => extra.closedAt > 0, { timeoutMs: 5000, message: 'the sixth connection closed by the server' });
    expect(extra.received).toBe('');
    expect(held.every((c) => c.closedAt === 0)).toBe(true);

    held[0]!.socket.destroy();
    const next = await waitFor(
      async () => {
        const c = client(port, GET);
        await c.connected;
        await waitFor(() => c.closedAt > 0 || c.received.includes('redis_resilience_'), { timeoutMs: 2000 });
        c.socket.destroy();
        return c.received.startsWith('HTTP/1.1 200') && c;
      },
      { timeoutMs: 5000, message: 'a scrape answered once a slot is free' },
    );
    expect(next.received).toContain('redis_resilience_circuit_breaker_state');
  });
});
