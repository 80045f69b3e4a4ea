/**
 * The package with Redis gone: how fast a call fails once the breaker is open, and whether memory stays flat while
 * calls keep coming for a whole outage (the offline queue is bounded, and rejected calls hold nothing).
 */
import type * as Core from '@redis-resilience/core';
import type { PrivateRedis } from './redis-server.js';
import { quantile, slope } from './stats.js';

export interface FailFast {
  calls: number;
  /** Calls rejected by the open breaker (the rest failed otherwise, e.g. during a half-open probe). */
  circuitOpen: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
}

export interface OutageMemory {
  /** Seconds at the rate before sampling starts: the heap grows to its working size once, which is not a leak. */
  warmUpSeconds: number;
  seconds: number;
  ratePerSecond: number;
  calls: number;
  /** One sample per second: seconds since the start, RSS and heap used in MB. */
  samples: Array<{ t: number; rssMB: number; heapUsedMB: number }>;
  rssStartMB: number;
  rssEndMB: number;
  rssMaxMB: number;
  /** Least-squares slope of RSS over the outage, MB per minute. */
  rssSlopeMBPerMin: number;
  /**
   * The same over the second half of the outage: what the "flat" goal reads. A leak grows all along; a one-time step
   * of the allocator early in the outage (seen as 2–3 MB within its first 15 s) is not growth.
   */
  rssLateSlopeMBPerMin: number;
  heapSlopeMBPerMin: number;
}

export interface OutageResults {
  failFast: FailFast;
  memory: OutageMemory;
}

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function measureOutage(
  core: typeof Core,
  redis: PrivateRedis,
  o: {
    failFastCalls: number;
    warmUpSeconds: number;
    seconds: number;
    ratePerSecond: number;
    onSample?: (t: number, rssMB: number) => void;
  },
): Promise<OutageResults> {
  const rr = core.init({ redis: redis.url, serviceName: 'bench-outage', tracing: false });
  try {
    await rr.client.set('bench:outage', 'v');
    await redis.kill();
    await openBreaker(core, rr);
    const failFast = await timeFailFast(core, rr, o.failFastCalls);
    const memory = await sampleMemory(rr, o);
    return { failFast, memory };
  } finally {
    await rr.close();
  }
}

/** Calls until the breaker rejects one: the failures that open it are the slow part, and not what is timed. */
async function openBreaker(core: typeof Core, rr: Core.RedisResilience): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    try {
      await rr.client.get('bench:outage');
    } catch (err) {
      if (core.isCircuitOpenError(err)) return;
    }
  }
  throw new Error('the breaker did not open within 30 s of killing Redis');
}

async function timeFailFast(core: typeof Core, rr: Core.RedisResilience, calls: number): Promise<FailFast> {
  // The rejection path runs for the first time when the breaker opens: warm it up (JIT), untimed, as the throughput
  // rounds are warmed up too.
  for (let i = 0; i < Math.min(1000, Math.ceil(calls / 10)); i++) await rr.client.get('bench:outage').catch(() => {});
  const micros: number[] = [];
  let circuitOpen = 0;
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    try {
      await rr.client.get('bench:outage');
    } catch (err) {
      if (core.isCircuitOpenError(err)) circuitOpen++;
    }
    micros.push((performance.now() - t0) * 1000);
  }
  micros.sort((a, b) => a - b);
  return {
    calls,
    circuitOpen,
    p50Micros: quantile(micros, 0.5),
    p99Micros: quantile(micros, 0.99),
    maxMicros: micros.at(-1) ?? 0,
  };
}

/** Open-loop calls at a fixed rate through the whole outage; after the warm-up, RSS sampled every second. */
async function sampleMemory(
  rr: Core.RedisResilience,
  o: { warmUpSeconds: number; seconds: number; ratePerSecond: number; onSample?: (t: number, rssMB: number) => void },
): Promise<OutageMemory> {
  const samples: OutageMemory['samples'] = [];
  const loadStarted = performance.now();
  let calls = 0;
  const swallow = () => {};
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - loadStarted) / 1000) * o.ratePerSecond);
    for (; calls < due; calls++) rr.client.get(`bench:outage:${calls % 1000}`).catch(swallow);
  }, 10);
  const sample = () => {
    const m = process.memoryUsage();
    const t = Math.round((performance.now() - started) / 1000);
    samples.push({ t, rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB });
    o.onSample?.(t, m.rss / MB);
  };
  await sleep(o.warmUpSeconds * 1000);
  const started = performance.now();
  sample();
  for (let s = 1; s <= o.seconds; s++) {
    await sleep(started + s * 1000 - performance.now());
    sample();
  }
  clearInterval(ticker);
  const rss = samples.map((s) => s.rssMB);
  return {
    warmUpSeconds: o.warmUpSeconds,
    seconds: o.seconds,
    ratePerSecond: o.ratePerSecond,
    calls,
    samples,
    rssStartMB: rss[0] ?? 0,
    rssEndMB: rss.at(-1) ?? 0,
    rssMaxMB: Math.max(...rss),
    rssSlopeMBPerMin: slope(samples.map((s) => [s.t / 60, s.rssMB] as const)),
    rssLateSlopeMBPerMin: slope(samples.filter((s) => s.t >= o.seconds / 2).map((s) => [s.t / 60, s.rssMB] as const)),
    heapSlopeMBPerMin: slope(samples.map((s) => [s.t / 60, s.heapUsedMB] as const)),
  };
}
