/**
 * Test helpers for the fallbacks: a recording Instrumentation that keeps every logical call with its fallback
 * span events, plus the fallback metric events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FaultProxy,
  type RedisProcess,
  startFaultProxy,
  startRedis,
  stopAllRedis,
  waitFor,
} from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { CallTracker, Instrumentation } from '../../src/instrumentation.js';
import { eventRecorder } from '../helpers.js';

export interface FallbackEvent {
  type: string;
  reason: string;
  served: boolean;
}

export interface RecordedCall {
  operation: string;
  /** `fallback` span events, in order. */
  fallbacks: FallbackEvent[];
  outcome?: string;
  error?: unknown;
  /** Whether runInContext was used (a loader or Redis call ran inside this call's span). */
  contextRuns: number;
  /** For cache.getOrLoad: the cacheResult reported just before the call ended. */
  cacheResult?: string;
}

export function fallbackRecorder() {
  const calls: RecordedCall[] = [];
  const fallbacks: FallbackEvent[] = [];
  const cacheResults: string[] = [];
  const spooled: { stream: string; depth: number }[] = [];
  const replayed: { stream: string; count: number }[] = [];
  const deadLettered: { stream: string; count: number }[] = [];
  const sessionPending: number[] = [];
  const writeBackFailures: { errorType: string; entries: number }[] = [];
  const sessionDrops: { reason: string; count: number }[] = [];
  // getOrLoad reports cacheResult and then ends its call synchronously: pair them up.
  let lastCacheResult: string | undefined;
  const rec = eventRecorder();
  const instrumentation: Instrumentation = {
    emit(name, data) {
      rec.emit(name, data);
      if (name === 'cacheResult') {
        const r = (data as { result: string }).result;
        cacheResults.push(r);
        lastCacheResult = r;
      }
      if (name === 'queueSpooled') spooled.push(data as { stream: string; depth: number });
      if (name === 'queueReplayed') replayed.push(data as { stream: string; count: number });
      if (name === 'queueDeadLettered') deadLettered.push(data as { stream: string; count: number });
      if (name === 'sessionPending') sessionPending.push((data as { count: number }).count);
      if (name === 'sessionWriteBackFailed') writeBackFailures.push(data as { errorType: string; entries: number });
      if (name === 'sessionDropped') sessionDrops.push(data as { reason: string; count: number });
    },
    registerPool: rec.registerPool,
    startCall(operation) {
      const call: RecordedCall = { operation, fallbacks: [], contextRuns: 0 };
      calls.push(call);
      const tracker: CallTracker = {
        attemptEnd() {},
        retry() {},
        rejected() {},
        fallback: (type, reason, served) => {
          call.fallbacks.push({ type, reason, served });
          fallbacks.push({ type, reason, served });
        },
        end: (outcome, _attempts, error) => {
          call.outcome = outcome;
          call.error = error;
          if (operation === 'cache.getOrLoad') call.cacheResult = lastCacheResult;
          lastCacheResult = undefined;
        },
        runInContext: (fn) => {
          call.contextRuns++;
          return fn();
        },
        sendAttempt: (target, client) => target.send(client),
      };
      return tracker;
    },
  };
  const of = (operation: string) => calls.filter((c) => c.operation === operation);
  const sum = (xs: { count: number }[]) => xs.reduce((n, x) => n + x.count, 0);
  return {
    instrumentation,
    calls,
    of,
    fallbacks,
    cacheResults,
    spooled,
    replayed,
    deadLettered,
    sessionPending,
    writeBackFailures,
    sessionDrops,
    sum,
  };
}

/** Init options that fail fast, so outage tests run in seconds: a 500 ms call deadline, a quick breaker. */
export const FAST = {
  breaker: { volumeThreshold: 5, resetTimeoutMs: 300, rollingWindowMs: 2000 },
  timeouts: { connectMs: 200, commandMs: 200 },
  queue: { maxWaitMs: 100 },
  retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50, deadlineMs: 500 },
} as const;

/**
 * FAST, but with reply timeouts a loaded machine never hits on a healthy local Redis: for tests whose assertions need
 * the healthy path to stay healthy. Refused and reset connections still fail at once.
 */
export const STEADY = {
  ...FAST,
  timeouts: { connectMs: 1000, commandMs: 2000 },
  retry: { ...FAST.retry, deadlineMs: 5000 },
} as const;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait until the client answers PING: tests that assert the healthy path must not race the first connect. */
export async function ready(rr: { client: { ping(): Promise<string> } }): Promise<void> {
  await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG', {
    timeoutMs: 10_000,
    message: 'client connected to Redis',
  });
}

/**
 * For a whole test file: one redis-server behind a fault proxy (so a test can cut clients off while Redis keeps its
 * data), a raw client to look at what reached it, and fresh spool paths in temporary directories removed at the end.
 */
export function proxiedRedis() {
  const dirs: string[] = [];
  const env = {
    server: undefined as unknown as RedisProcess,
    proxy: undefined as unknown as FaultProxy,
    raw: undefined as unknown as Redis,
    /** A spool path in a directory that does not exist yet (the spool creates it). */
    spoolFile(): string {
      const dir = mkdtempSync(join(tmpdir(), 'rr-spool-'));
      dirs.push(dir);
      return join(dir, 'nested', 'spool.db');
    },
  };
  beforeAll(async () => {
    env.server = await startRedis();
    env.proxy = await startFaultProxy({ host: env.server.host, port: env.server.port });
    env.raw = new Redis(env.server.url);
  });
  afterAll(async () => {
    env.raw.disconnect();
    await env.proxy.close();
    await stopAllRedis();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return env;
}
