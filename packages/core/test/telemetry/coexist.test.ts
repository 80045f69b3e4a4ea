/**
 * Issue #12: one init() inside an app that already runs OpenTelemetry. Real processes on the BUILT package (ESM and
 * CJS), a real NodeSDK exporting to a real OTLP/HTTP receiver, a real redis-server, in every order: the app's SDK
 * started before init(), after init(), or not at all. Build first: `pnpm --filter @redis-resilience/core build`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  type RedisProcess,
  startOtlpReceiver,
  startRedis,
} from '@redis-resilience/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url));
const APPS = { ESM: fixture('coexist-esm.mjs'), CJS: fixture('coexist-cjs.cjs') } as const;

interface Globals {
  tracerProvider: string;
  contextManager: string;
  meterProvider: string;
}
interface Done {
  afterInit: Globals;
  afterClose: Globals;
  retried?: string;
}

let receiver: OtlpReceiver;
let redis: RedisProcess | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  await redis?.kill();
  redis = undefined;
  receiver.clear();
});

/** Runs an app; on `ready`, freezes Redis when `retry` is set and tells the app to go on. */
async function runApp(file: string, env: Record<string, string>, retry = false): Promise<Done> {
  redis = await startRedis();
  const server = redis;
  const child = spawn(process.execPath, [file], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      REDIS_URL: server.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      ...(retry && { RETRY: '1' }),
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise<Done>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish in 30 s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 30_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (d.includes('"phase":"ready"') && retry) {
        server.pause();
        child.stdin?.end('frozen\n');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      server.resume();
      const done = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Done & { phase: string })
        .find((m) => m.phase === 'done');
      if (code !== 0 || !done) reject(new Error(`${file} exited ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      else resolve(done);
    });
  });
}

const ours = (s: ReceivedSpan) => s.scope === '@redis-resilience/core';
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan | undefined) =>
  spans.filter((s) => parent && s.parentSpanId === parent.spanId && s.traceId === parent.traceId);

describe('redis-resilience inside an app that has its own OpenTelemetry SDK', () => {
  for (const [kind, file] of Object.entries(APPS)) {
    for (const order of ['before', 'after'] as const) {
      it(`${kind}, SDK ${order} init(): the app's exporter gets every span, ours under the app's; close() leaves it working`, async () => {
        const done = await runApp(file, { ORDER: order });
        const spans = await receiver.waitForSpans((s) => s.some((x) => x.name === 'after close'), 10_000);
        for (const s of spans) expect(s.resource['service.name']).toBe('app-under-test');
        const request = spans.find((s) => s.name === 'GET /cart');
        expect(request?.scope).toBe('app');
        expect(
          childrenOf(spans, request)
            .map((s) => [s.name, s.kind])
            .sort(),
        ).toEqual([
          ['GET', 3],
          ['PIPELINE', 3],
          ['SET', 3],
        ]);
        expect(spans.filter(ours)).toHaveLength(3);
        // The core registered nothing: after init() the API held only what the app (if it had started) registered.
        expect(done.afterInit.tracerProvider).toBe(order === 'before' ? 'TracerProvider' : 'NoopTracerProvider');
        // After rr.close() the app's provider is still registered and exporting ('after close' arrived above).
        expect(done.afterClose.tracerProvider).toBe('TracerProvider');
      });
    }

    it(`${kind}, no SDK: init() and close() register nothing, export nothing, and calls work`, async () => {
      const done = await runApp(file, { ORDER: 'none' });
      expect(done.afterInit).toEqual(done.afterClose);
      expect(done.afterClose.tracerProvider).toBe('NoopTracerProvider');
      expect(done.afterClose.meterProvider).toBe('NoopMeterProvider');
      expect(done.afterClose.contextManager).toMatch(/^(NoopContextManager|unknown)$/);
      expect(receiver.spans()).toEqual([]);
    });
  }

  it('with @opentelemetry/instrumentation-ioredis active too: exactly one CLIENT span per round trip, retries visible', async () => {
    const done = await runApp(APPS.CJS, { ORDER: 'before', INSTRUMENT: '1' }, true);
    expect(done.retried).toBe('ERR_RETRIES_EXHAUSTED');
    const spans = await receiver.waitForSpans((s) => s.some((x) => x.name === 'after close'), 10_000);
    const clients = spans.filter((s) => s.kind === 3);
    // Nothing from the driver's instrumentation for a round trip we traced ourselves.
    expect(clients.filter((s) => !ours(s)).map((s) => `${s.scope} ${s.name}`)).toEqual([]);
    const cart = spans.find((s) => s.name === 'GET /cart');
    expect(
      childrenOf(spans, cart)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['GET', 'PIPELINE', 'SET']);
    // The GET that timed out three times: one INTERNAL span with its retries, and one CLIENT span per attempt.
    const slow = spans.find((s) => s.name === 'GET /slow');
    const [logical, ...rest] = childrenOf(spans, slow);
    expect(rest).toEqual([]);
    expect(logical?.kind).toBe(1);
    expect(logical?.events.filter((e) => e.name === 'retry').map((e) => e.attributes.attempt)).toEqual([1, 2]);
    const attempts = childrenOf(spans, logical);
    expect(attempts.map((a) => [a.kind, a.attributes['redis_resilience.attempt'], a.attributes['error.type']])).toEqual(
      [
        [3, 1, 'timeout'],
        [3, 2, 'timeout'],
        [3, 3, 'timeout'],
      ],
    );
    // Round trips: SET, GET, PIPELINE, and the three attempts; as many CLIENT spans.
    expect(clients).toHaveLength(6);
  });
});
