/**
 * Test helpers for the fallbacks: a recording Instrumentation that keeps every logical call with its fallback
 * span events, plus the fallback metric hooks. Built on noopInstrumentation so hooks added later stay covered.
 */
import { waitFor } from '@redis-resilience/testkit';
import type { CallTracker, Instrumentation } from '../../src/instrumentation.js';
import { noopInstrumentation } from '../../src/instrumentation.js';

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
  const instrumentation: Instrumentation = {
    ...noopInstrumentation,
    startCall(operation) {
      const call: RecordedCall = { operation, fallbacks: [], contextRuns: 0 };
      calls.push(call);
      const tracker: CallTracker = {
        attemptEnd() {},
        retry() {},
        rejected() {},
        fallback: (type, reason, served) => call.fallbacks.push({ type, reason, served }),
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
      };
      return tracker;
    },
    cacheResult: (r) => {
      cacheResults.push(r);
      lastCacheResult = r;
    },
    fallbackInvoked: (type, reason, served) => fallbacks.push({ type, reason, served }),
    queueSpooled: (stream, depth) => spooled.push({ stream, depth }),
    queueReplayed: (stream, count) => replayed.push({ stream, count }),
    queueDeadLettered: (stream, count) => deadLettered.push({ stream, count }),
    sessionPending: (count) => sessionPending.push(count),
    sessionWriteBackFailed: (errorType, entries) => writeBackFailures.push({ errorType, entries }),
    sessionDropped: (reason, count) => sessionDrops.push({ reason, count }),
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
