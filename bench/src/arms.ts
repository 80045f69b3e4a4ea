/**
 * The nine ways of calling Redis measured in the bench's process. Each arm has its own connection and the same
 * calls, so the workload is identical and only the wrapping differs. (instrumentation-ioredis in a process of its
 * own is measured by instr-child.ts.)
 */
import { createRequire } from 'node:module';
import { type Context, context } from '@opentelemetry/api';
import type * as Core from '@redis-resilience/core';
import { circuitBreaker, ExponentialBackoff, handleAll, retry, SamplingBreaker, wrap } from 'cockatiel';
import { type BenchTracing, unsampledParent } from './tracing.js';
import type { Client } from './workload.js';

export type InProcessArmId =
  | 'raw'
  | 'otel'
  | 'opossum'
  | 'cockatiel'
  | 'rr-metrics'
  | 'rr-metrics-direct'
  | 'rr-traced'
  | 'rr-unsampled'
  | 'rr-otel';
export type ArmId = InProcessArmId | 'otel-own-process';

export interface Arm {
  readonly id: InProcessArmId;
  readonly label: string;
  readonly client: Client;
  /** Whether every call must produce a span (checked, else the arm's numbers are invalid); if not, none may. */
  readonly traced: boolean;
  /**
   * The context a round's workers run in, entered once around the whole round (so it costs nothing per call):
   * the unsampled arm's calls run under a parent span the sampler dropped.
   */
  readonly parent?: Context;
  /** At most this many spans per call (checked): one Redis round trip must be one span, not two. */
  readonly maxSpansPerOp?: number;
  /** Switches its tracing on for its own rounds and off again. */
  enter(): void;
  leave(): void;
  close(): Promise<void>;
}

/** The slice of opossum used here; @types/opossum lags behind opossum 10. */
type OpossumCtor = new (
  action: (fn: () => Promise<unknown>) => Promise<unknown>,
  options?: object,
) => { fire(fn: () => Promise<unknown>): Promise<unknown>; shutdown(): void };

const noop = () => {};

/** Runs `fn` in the arm's parent context, if it has one: `context.with` once around a round, not per call. */
export function inArmContext<T>(arm: Arm, fn: () => Promise<T>): Promise<T> {
  return arm.parent ? context.with(arm.parent, fn) : fn();
}

export async function createArms(url: string, tracing: BenchTracing, core: typeof Core): Promise<Arm[]> {
  const { Redis } = tracing.ioredis;
  const connect = async () => {
    const redis = new Redis(url);
    await redis.ping();
    return redis;
  };
  const plain = (redis: InstanceType<typeof Redis>): Client => ({
    get: (k) => redis.get(k),
    set: (k, v) => redis.set(k, v),
  });

  const raw = await connect();
  const otel = await connect();

  const opossumRedis = await connect();
  const CircuitBreaker = createRequire(import.meta.url)('opossum') as OpossumCtor;
  // opossum's defaults (10 s timeout per call, rolling percentiles on), as a service would start with.
  const breaker = new CircuitBreaker((fn) => fn());

  const cockatielRedis = await connect();
  // Comparable to the package's defaults: open at 50 % failures over 10 s, probe after 5 s, two retries.
  const policy = wrap(
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, {
      halfOpenAfter: 5000,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
    }),
  );

  const rrMetrics = core.init({ redis: url, serviceName: 'bench-metrics', tracing: false });
  // The same without write coalescing: every command written at once, as ioredis does; the policies' cost alone.
  const rrDirect = core.init({
    redis: url,
    serviceName: 'bench-metrics-direct',
    tracing: false,
    pool: { coalesceWritesAt: false },
  });
  const rrTraced = core.init({ redis: url, serviceName: 'bench-traced' });
  // The real-world case: an app whose SDK runs instrumentation-ioredis (on by default in auto-instrumentations-node).
  const rrOtel = core.init({ redis: url, serviceName: 'bench-otel' });
  // Traced like rr-traced, with the SDK registered, but every call is in a request whose trace was not sampled.
  const rrUnsampled = core.init({ redis: url, serviceName: 'bench-unsampled' });
  await Promise.all([rrMetrics, rrDirect, rrTraced, rrOtel, rrUnsampled].map((rr) => rr.client.ping()));

  return [
    {
      id: 'raw',
      label: 'raw ioredis',
      client: plain(raw),
      traced: false,
      enter: noop,
      leave: noop,
      close: async () => raw.disconnect(),
    },
    {
      id: 'otel',
      label: 'ioredis + instrumentation-ioredis',
      client: plain(otel),
      traced: true,
      enter: () => tracing.setInstrumentation(true),
      leave: () => tracing.setInstrumentation(false),
      close: async () => otel.disconnect(),
    },
    {
      id: 'opossum',
      label: 'ioredis + opossum',
      client: {
        get: (k) => breaker.fire(() => opossumRedis.get(k)),
        set: (k, v) => breaker.fire(() => opossumRedis.set(k, v)),
      },
      traced: false,
      enter: noop,
      leave: noop,
      close: async () => {
        breaker.shutdown();
        opossumRedis.disconnect();
      },
    },
    {
      id: 'cockatiel',
      label: 'ioredis + cockatiel retry + breaker',
      client: {
        get: (k) => policy.execute(() => cockatielRedis.get(k)),
        set: (k, v) => policy.execute(() => cockatielRedis.set(k, v)),
      },
      traced: false,
      enter: noop,
      leave: noop,
      close: async () => cockatielRedis.disconnect(),
    },
    {
      id: 'rr-metrics',
      label: 'redis-resilience, metrics only',
      client: rrMetrics.client,
      traced: false,
      enter: noop,
      leave: noop,
      close: () => rrMetrics.close(),
    },
    {
      id: 'rr-metrics-direct',
      label: 'redis-resilience, metrics only, no coalescing',
      client: rrDirect.client,
      traced: false,
      enter: noop,
      leave: noop,
      close: () => rrDirect.close(),
    },
    {
      id: 'rr-traced',
      label: 'redis-resilience, fully traced',
      client: rrTraced.client,
      traced: true,
      enter: () => tracing.setGlobalTracing(true),
      leave: () => tracing.setGlobalTracing(false),
      close: () => rrTraced.close(),
    },
    {
      id: 'rr-unsampled',
      label: 'redis-resilience, traced, unsampled',
      client: rrUnsampled.client,
      // Must export nothing: the SDK is registered and its root sampler is AlwaysOn, so 0 spans proves every call
      // saw the unsampled parent and honoured it.
      traced: false,
      parent: unsampledParent(),
      enter: () => tracing.setGlobalTracing(true),
      leave: () => tracing.setGlobalTracing(false),
      close: () => rrUnsampled.close(),
    },
    {
      id: 'rr-otel',
      label: 'ioredis + instrumentation-ioredis + redis-resilience',
      client: rrOtel.client,
      traced: true,
      maxSpansPerOp: 1.01,
      enter: () => {
        tracing.setGlobalTracing(true);
        tracing.setInstrumentation(true);
      },
      leave: () => {
        tracing.setInstrumentation(false);
        tracing.setGlobalTracing(false);
      },
      close: () => rrOtel.close(),
    },
  ];
}
