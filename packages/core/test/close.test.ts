/**
 * Issue #11, defect 8: close() settles every pending call at once with ClientClosedError, every API rejects with it
 * afterwards, and the process exits by itself promptly after close() resolves, whether Redis is down or
 * black-holed and whether the collector is dead.
 */
import { fileURLToPath } from 'node:url';
import { freePort, runNode, startFaultProxy, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientClosedError, init } from '../src/index.js';
import { settle } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/close-exit.mjs', import.meta.url));
let server: Awaited<ReturnType<typeof startRedis>>;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(stopAllRedis);

describe('close()', () => {
  it('settles every call pending on a frozen Redis at once, before close() resolves', async () => {
    const frozen = await startRedis();
    const rr = init({
      redis: frozen.url,
      tracing: false,
      timeouts: { commandMs: 10_000 },
      retry: { deadlineMs: 30_000 },
    });
    try {
      await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG');
      frozen.pause();
      let closed = false;
      const pending = Array.from({ length: 200 }, (_, i) =>
        settle<unknown>(i % 2 ? rr.client.get(`k${i}`) : rr.client.pipeline().get('a').exec()).then((r) => ({
          ...r,
          closed,
        })),
      );
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      await rr.close();
      const closeMs = performance.now() - started;
      closed = true;
      const results = await Promise.all(pending);
      for (const r of results) {
        expect(r.error).toBeInstanceOf(ClientClosedError);
        expect(r.closed).toBe(false); // settled before close() resolved
      }
      expect(closeMs).toBeLessThan(1000);
    } finally {
      frozen.resume();
      await rr.close();
    }
  });

  it('afterwards every API rejects with ClientClosedError at once, and health() is down', async () => {
    const rr = init({ redis: server.url, tracing: false });
    await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG');
    await rr.close();
    const calls: Promise<unknown>[] = [
      rr.client.get('k'),
      rr.client.pipeline().get('k').exec(),
      rr.client.multi().incr('n').exec(),
      rr.withConnection(async (c) => c.get('k')),
      rr.withFallback(
        'after',
        () => rr.client.get('k'),
        () => 'fallback',
      ),
    ];
    for (const call of calls) {
      const { error, ms } = await settle(call);
      expect(error).toBeInstanceOf(ClientClosedError);
      expect(ms).toBeLessThan(100);
    }
    expect((await rr.health()).status).toBe('down');
    await expect(rr.close()).resolves.toBeUndefined(); // idempotent
  });

  async function exitAfterClose(url: string, env: Record<string, string> = {}) {
    const r = await runNode(FIXTURE, { args: [url], env, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    return JSON.parse(line) as { closeMs: number; exitAfterCloseMs: number; codes: string[] };
  }

  it('the process exits by itself within 200 ms of close(): Redis down, the SDK of /register, collector dead', async () => {
    const dead = await freePort();
    const out = await exitAfterClose(`redis://127.0.0.1:${await freePort()}`, {
      REGISTER: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}`,
    });
    expect(out.exitAfterCloseMs).toBeLessThanOrEqual(200);
    // The documented bound: one export's timeout (1 s) plus a margin.
    expect(out.closeMs).toBeLessThan(1600);
  });

  it('the process exits by itself within 200 ms of close(): Redis black-holed, calls pending', async () => {
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    try {
      await proxy.setMode('blackhole');
      const out = await exitAfterClose(proxy.url);
      expect(out.exitAfterCloseMs).toBeLessThanOrEqual(200);
      expect(out.codes).toContain('ERR_CLIENT_CLOSED');
    } finally {
      await proxy.close();
    }
  });
});
