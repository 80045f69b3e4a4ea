/** Shared test helpers: a recording Instrumentation to observe the executor's decisions; instances closed together. */
import type { BreakerTransition } from '../src/breaker/state.js';
import { init, type RedisResilience } from '../src/index.js';
import type {
  CallTracker,
  Instrumentation,
  PoolStats,
  TelemetryEvent,
  TelemetryEvents,
} from '../src/instrumentation.js';

export interface RecordedCall {
  operation: string;
  attempts: { attempt: number; errorType: string | undefined }[];
  retries: { attempt: number; delayMs: number; errorType: string }[];
  rejected?: string;
  outcome?: string;
}

/** Every event emitted, by name, in order; and the pools registered. */
export function eventRecorder() {
  const events: { [K in TelemetryEvent]?: TelemetryEvents[K][] } = {};
  const pools = new Map<string, () => PoolStats>();
  const of = <K extends TelemetryEvent>(name: K): TelemetryEvents[K][] => {
    const list = (events[name] ?? []) as TelemetryEvents[K][];
    (events as Record<string, unknown>)[name] = list;
    return list;
  };
  return {
    of,
    pools,
    emit<K extends TelemetryEvent>(name: K, data: TelemetryEvents[K]): void {
      of(name).push(data);
    },
    registerPool(pool: string, stats: () => PoolStats): void {
      pools.set(pool, stats);
    },
  };
}

export function recordingInstrumentation() {
  const calls: RecordedCall[] = [];
  const rec = eventRecorder();
  const instrumentation: Instrumentation = {
    startCall(operation) {
      const call: RecordedCall = { operation, attempts: [], retries: [] };
      calls.push(call);
      const tracker: CallTracker = {
        attemptEnd: (attempt, _s, _e, errorType) => call.attempts.push({ attempt, errorType }),
        retry: (attempt, delayMs, errorType) => call.retries.push({ attempt, delayMs, errorType }),
        rejected: (state) => {
          call.rejected = state;
        },
        fallback() {},
        end: (outcome) => {
          call.outcome = outcome;
        },
        runInContext: (fn) => fn(),
        sendAttempt: (target, client) => target.send(client),
      };
      return tracker;
    },
    emit: rec.emit,
    registerPool: rec.registerPool,
  };
  return {
    instrumentation,
    calls,
    events: rec,
    get transitions(): BreakerTransition[] {
      return rec.of('breakerTransition');
    },
    get statuses(): string[] {
      return rec.of('connectionStatus').map((e) => e.status);
    },
    get connectionErrors(): string[] {
      return rec.of('connectionError').map((e) => e.type);
    },
    get failovers(): { from: string; to: string }[] {
      return rec.of('failover');
    },
  };
}

/** Settle a promise into a value or the error, recording how long it took. */
export async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await p;
    return { value, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

/** The instances a test file opens, closed together by `closeAll()` (from its afterEach or afterAll). */
export class Opened {
  private readonly all: RedisResilience[] = [];

  /** `init()`, remembered for `closeAll()`. */
  readonly init = (...a: Parameters<typeof init>): RedisResilience => {
    const rr = init(...a);
    this.all.push(rr);
    return rr;
  };

  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((rr) => rr.close()));
  }
}
