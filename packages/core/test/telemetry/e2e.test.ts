/**
 * End to end through the BUILT package: an ESM and a CJS app (ioredis imported first) run an outage drill against a
 * real redis-server, with the SDK that `@redis-resilience/core/register` starts (configured by OTEL_* variables only)
 * exporting to a real OTLP/HTTP receiver. Build first:
 * `pnpm --filter @redis-resilience/core build`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  type RedisProcess,
  startOtlpReceiver,
  startRedis,
} from '@redis-resilience/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sample } from './harness.js';

const pkgDir = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(pkgDir, 'test/fixtures');

interface Outage {
  results: string[];
  cached: unknown;
  health: { status: string; breaker: { state: string } };
  metrics: string;
  openmetrics: string;
}

interface Run {
  warm: { value: string };
  outage: Outage;
  stdout: string;
  stderr: string;
  code: number | null;
}

let receiver: OtlpReceiver;
let redis: RedisProcess | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.kill();
  redis = undefined;
  receiver.clear();
});

/** Runs a fixture app; kills redis-server when the app reports its warm phase, then tells the app to go on. */
function runApp(file: string, serviceName: string, redisProcess: RedisProcess): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(fixtures, file)], {
      cwd: pkgDir,
      env: {
        ...process.env,
        REDIS_URL: redisProcess.url,
        SERVICE_NAME: serviceName,
        OTEL_SERVICE_NAME: serviceName,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    const phases: Record<string, unknown> = {};
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish in 45 s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 45_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      pending += d;
      let i = pending.indexOf('\n');
      while (i >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        i = pending.indexOf('\n');
        const msg = JSON.parse(line) as { phase: string };
        phases[msg.phase] = msg;
        if (msg.phase === 'warm') {
          redisProcess.kill().then(
            () => child.stdin.end('outage\n'),
            (err: unknown) => reject(err),
          );
        }
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (!phases.closed) {
        reject(new Error(`${file} exited ${code} before closing\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      resolve({ warm: phases.warm as Run['warm'], outage: phases.outage as Outage, stdout, stderr, code });
    });
  });
}

const children_of = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((s) => s.parentSpanId === parent.spanId);

describe('end to end through the built package', () => {
  it('is built', () => {
    expect(existsSync(path.join(pkgDir, 'dist/index.js')) && existsSync(path.join(pkgDir, 'dist/index.cjs'))).toBe(
      true,
    );
  });

  for (const [kind, file] of [
    ['ESM', 'outage-esm.mjs'],
    ['CJS', 'outage-cjs.cjs'],
  ] as const) {
    it(`${kind}: retries, breaker open, rejections and a fallback are visible in spans, metrics, logs`, async () => {
      redis = await startRedis();
      const service = `fixture-${kind.toLowerCase()}`;
      const run = await runApp(file, service, redis);
      expect(run.code).toBe(0);
      expect(run.warm.value).toBe('secret-value');

      // The caller's view: the first call exhausts its retries, the breaker then rejects fast.
      const { results, cached, health, metrics, openmetrics } = run.outage;
      expect(results[0]).toMatch(/^ERR_(RETRIES_EXHAUSTED|REDIS_UNAVAILABLE)$/);
      expect(results.at(-1)).toBe('ERR_CIRCUIT_OPEN');
      expect(cached).toEqual({ name: 'from-db' });
      expect(health.status).toBe('degraded');
      expect(health.breaker.state).toBe('open');

      // Metrics.
      const C = `client="${service}"`;
      const v = (s: string) => sample(metrics, s);
      expect(v(`redis_resilience_circuit_breaker_state{${C},node="default",state="open"}`)).toBe(1);
      expect(v(`redis_resilience_circuit_breaker_state{${C},node="default",state="closed"}`)).toBe(0);
      expect(
        v(
          `redis_resilience_circuit_breaker_transitions_total{${C},node="default",from_state="closed",to_state="open"}`,
        ),
      ).toBe(1);
      expect(v(`redis_resilience_operation_duration_seconds_count{${C},operation="get",outcome="success"}`)).toBe(1);
      expect(v(`redis_resilience_operation_duration_seconds_count{${C},operation="get",outcome="rejected"}`)).toBe(
        results.filter((r) => r === 'ERR_CIRCUIT_OPEN').length,
      );
      expect(metrics).toMatch(/redis_resilience_retry_attempts_total\{[^}]*operation="get"[^}]*\} [1-9]/);
      expect(v(`redis_resilience_retry_calls_total{${C},kind="failed_with_retry"}`)).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(/db_client_operation_duration_seconds_count\{[^}]*error_type="[a-z_]+"\} [1-9]/);
      expect(metrics).toMatch(
        new RegExp(`redis_resilience_connection_errors_total\\{${C},error_type="[a-z]+"\\} [1-9]`),
      );

      const F = `${C},fallback_type="cache_aside",reason="circuit_open",outcome="served"`;
      expect(v(`redis_resilience_fallback_invocations_total{${F}}`)).toBe(1);
      expect(v(`redis_resilience_cache_requests_total{${C},result="fallback"}`)).toBe(1);
      expect(
        v(`redis_resilience_operation_duration_seconds_count{${C},operation="cache.getOrLoad",outcome="fallback"}`),
      ).toBe(1);

      // Spans: exported by the SDK the app registered, flushed by close().
      const spans = await receiver.waitForSpans(
        (s) => s.some((x) => x.events.some((e) => e.name === 'circuit_breaker.rejected')),
        10_000,
      );
      for (const s of spans) {
        expect(s.resource['service.name']).toBe(service);
        expect(s.scope).toBe(s.name === 'load user from db' ? 'fixture-app' : '@redis-resilience/core');
      }
      const roots = spans.filter((s) => !s.parentSpanId);
      const [set, warmGet] = roots;
      expect(set?.name).toBe('SET');
      expect(set?.attributes['db.query.text']).toBe('SET ? ?');
      expect(warmGet?.name).toBe('GET');
      expect(children_of(spans, warmGet!)).toEqual([]); // one attempt, one span
      expect(warmGet?.attributes).toMatchObject({
        'db.system.name': 'redis',
        'db.operation.name': 'GET',
        'db.namespace': '0',
        'server.address': '127.0.0.1',
        'server.port': redis.port,
        'db.query.text': 'GET ?',
      });

      const failed = roots.find((s) => s.name === 'GET' && s.events.some((e) => e.name === 'retry'))!;
      expect(failed.status.code).toBe(2);
      expect(failed.events.filter((e) => e.name === 'retry').map((e) => e.attributes.attempt)).toEqual([1, 2]);
      expect(failed.kind).toBe(1); // INTERNAL: the logical call over three round trips
      const attempts = children_of(spans, failed);
      expect(attempts).toHaveLength(3);
      for (const a of attempts) {
        expect(a.kind).toBe(3);
        expect(a.attributes['error.type']).toEqual(expect.any(String));
      }

      const rejected = roots.filter((s) => s.events.some((e) => e.name === 'circuit_breaker.rejected'));
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      expect(rejected[0]?.events[0]?.attributes).toEqual({ state: 'open', node: 'default' });
      expect(rejected[0]?.attributes['error.type']).toBe('circuit_open');
      expect(rejected[0]?.kind).toBe(1); // INTERNAL: no round trip was made
      expect(children_of(spans, rejected[0]!)).toEqual([]);

      const cache = roots.find((s) => s.name === 'cache.getOrLoad')!;
      expect(cache.kind).toBe(1); // INTERNAL
      expect(cache.status.code).toBe(0); // served: not an error for the caller
      expect(cache.events.map((e) => [e.name, e.attributes])).toEqual([
        ['fallback', { type: 'cache_aside', reason: 'circuit_open', served: true }],
      ]);
      const load = spans.find((s) => s.name === 'load user from db');
      expect(load?.parentSpanId).toBe(cache.spanId);
      expect(load?.traceId).toBe(cache.traceId);

      // Logs: the breaker opening is one warn with where and what; connection errors are rate-limited.
      const logs = run.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logs.filter((l) => l.msg === 'redis circuit breaker opened: calls fail fast')).toEqual([
        {
          level: 'warn',
          msg: 'redis circuit breaker opened: calls fail fast',
          client: service,
          address: `127.0.0.1:${redis.port}`,
          node: 'default',
          from: 'closed',
          to: 'open',
          cause: 'failures',
        },
      ]);
      const errorLogs = logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('redis connection error'));
      expect(errorLogs.length).toBeGreaterThanOrEqual(1);
      expect(new Set(errorLogs.map((l) => l.error_type)).size).toBe(errorLogs.length); // one per type in 10 s

      // The exemplar of the warm GET points at its trace.
      expect(openmetrics).toContain(`trace_id="${warmGet?.traceId}"`);

      // Keys and values never leave the process: not in spans, metrics or output.
      for (const text of [receiver.rawBodies().join('\n'), metrics, openmetrics, run.stderr]) {
        expect(text).not.toContain('secret-value');
        expect(text).not.toContain('fixture:key');
        expect(text).not.toContain('fixture:cache');
      }
    });
  }
});
