/**
 * Public options, their defaults, and validation at `init`. One frozen defaults object, merged once.
 */
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { ClusterConfig } from './client/connection.js';
import { InvalidOptionsError } from './errors/errors.js';
import type { FallbackOptions } from './fallback/types.js';
import type { Logger } from './logger.js';

export interface RetryOptions {
  /** Total attempts per call, the first included. @default 3 */
  maxAttempts?: number;
  /** Delay before the first retry; doubles on each. @default 50 */
  baseDelayMs?: number;
  /** Cap on one retry delay. @default 1000 */
  maxDelayMs?: number;
  /** `full`: uniform in [0, delay]; `equal`: delay/2 + uniform half; `none`: exact. @default 'full' */
  jitter?: 'full' | 'equal' | 'none';
  /** Overall deadline for one call across all attempts and delays. @default 3000 */
  deadlineMs?: number;
  /** Retries stay a bounded fraction of traffic. `false` disables the budget. */
  budget?: false | RetryBudgetOptions;
  /**
   * Write commands safe to repeat. @ioredis/commands has no idempotency flag, so this list is ours.
   * @default ['set','setex','psetex','mset','del','unlink','expire','pexpire','expireat','pexpireat','persist','hset','hmset','hdel','sadd','srem','zrem']
   */
  idempotentWrites?: string[];
}

export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of calls in the window. @default 0.2 */
  ratio?: number;
  /** Retries always allowed per second, so low traffic can still retry. @default 10 */
  minPerSecond?: number;
  /** Sliding window. @default 10000 */
  windowMs?: number;
}

export interface BreakerOptions {
  /** Open when this share of calls in the window failed. @default 50 */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the breaker may open. @default 10 */
  volumeThreshold?: number;
  /** Rolling statistics window. @default 10000 */
  rollingWindowMs?: number;
  /** Time open before probing. @default 5000 */
  resetTimeoutMs?: number;
  /** Successful PING probes needed in half-open before closing; user calls are rejected meanwhile. @default 1 */
  halfOpenProbes?: number;
  /** `false` turns the breaker off (calls still get retries and timeouts). @default true */
  enabled?: boolean;
}

export interface TimeoutOptions {
  /** TCP + handshake timeout for each connection attempt. @default 2000 */
  connectMs?: number;
  /** Per-attempt reply timeout. Blocking commands get their own block time on top. @default 1000 */
  commandMs?: number;
}

export interface QueueOptions {
  /** Commands allowed to wait for a connection; beyond it calls fail with OfflineQueueFullError. @default 1000 */
  maxOffline?: number;
  /** Longest a command waits for a connection before failing (it is then never sent). @default 1000 */
  maxWaitMs?: number;
}

export interface PoolOptions {
  /** Connections commands are spread across. @default 1 */
  size?: number;
  /** Longest `withConnection` waits for a free connection. @default 1000 */
  acquireTimeoutMs?: number;
}

export interface MetricsOptions {
  /** Where metrics are registered. @default a new Registry owned by this instance */
  registry?: Registry;
  /** @default 'redis_resilience_' */
  prefix?: string;
  /** Serve `/metrics` on this port (0 = a free port). @default off */
  port?: number;
  /**
   * Address the built-in listener binds. Loopback by default, so metrics are not published to the network unless
   * asked for: set `'0.0.0.0'` (or `'::'`) for a Prometheus on another host. @default '127.0.0.1'
   */
  host?: string;
  /** Built-in listener: longest wait for a request's headers. @default 5000 */
  headersTimeoutMs?: number;
  /** Built-in listener: longest a whole request may take. At least `headersTimeoutMs`. @default 10000 */
  requestTimeoutMs?: number;
  /** Built-in listener: a connection idle this long (no request yet, or between keep-alive requests) is closed. @default 10000 */
  idleTimeoutMs?: number;
  /** Built-in listener: connections beyond this many open at once are refused (closed at once). @default 64 */
  maxConnections?: number;
}

export interface TracingOptions {
  /** Start the OTel NodeSDK with OTLP/HTTP export when no global tracer provider exists. @default true */
  startSdk?: boolean;
  /** OTLP traces endpoint. @default OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT */
  endpoint?: string;
  /** Record `db.query.text` with every argument redacted. @default false */
  dbQueryText?: boolean;
}

export interface SlowlogOptions {
  /** Poll SLOWLOG every this many ms. */
  intervalMs: number;
}

export interface ResilienceOptions {
  /**
   * A URL, ioredis options (with `sentinels` and `name` for Sentinel), `{ cluster: startupNodes, options? }` for
   * Cluster, or an existing ioredis Redis/Cluster instance. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
   */
  redis?: string | RedisOptions | Redis | Cluster | ClusterConfig;
  /** Service name for telemetry. @default process.env.OTEL_SERVICE_NAME ?? 'redis-resilience' */
  serviceName?: string;
  /** The `client` metric label. @default serviceName */
  clientName?: string;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  timeouts?: TimeoutOptions;
  queue?: QueueOptions;
  pool?: PoolOptions;
  metrics?: false | MetricsOptions;
  tracing?: false | TracingOptions;
  slowlog?: false | SlowlogOptions;
  /** Cache, session store and durable queue spool settings (see docs/fallbacks.md). */
  fallbacks?: FallbackOptions;
  /** pino-compatible logger. @default silent */
  logger?: Logger;
}

export const DEFAULT_IDEMPOTENT_WRITES: readonly string[] = Object.freeze([
  'set',
  'setex',
  'psetex',
  'mset',
  'del',
  'unlink',
  'expire',
  'pexpire',
  'expireat',
  'pexpireat',
  'persist',
  'hset',
  'hmset',
  'hdel',
  'sadd',
  'srem',
  'zrem',
]);

export const DEFAULTS = Object.freeze({
  retry: Object.freeze({
    maxAttempts: 3,
    baseDelayMs: 50,
    maxDelayMs: 1000,
    jitter: 'full' as const,
    deadlineMs: 3000,
    budget: Object.freeze({ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 }),
    idempotentWrites: DEFAULT_IDEMPOTENT_WRITES,
  }),
  breaker: Object.freeze({
    errorThresholdPercentage: 50,
    volumeThreshold: 10,
    rollingWindowMs: 10_000,
    resetTimeoutMs: 5000,
    halfOpenProbes: 1,
    enabled: true,
  }),
  timeouts: Object.freeze({ connectMs: 2000, commandMs: 1000 }),
  queue: Object.freeze({ maxOffline: 1000, maxWaitMs: 1000 }),
  pool: Object.freeze({ size: 1, acquireTimeoutMs: 1000 }),
  /** The built-in `/metrics` listener (used only with `metrics.port`). */
  metrics: Object.freeze({
    host: '127.0.0.1',
    headersTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    idleTimeoutMs: 10_000,
    maxConnections: 64,
  }),
});

type MetricsListenerField = keyof typeof DEFAULTS.metrics;

/** Options after defaults: every field present. */
export interface ResolvedOptions {
  redis: string | RedisOptions | Redis | Cluster | ClusterConfig;
  serviceName: string;
  clientName: string;
  retry: Required<Omit<RetryOptions, 'budget' | 'idempotentWrites'>> & {
    budget: false | Required<RetryBudgetOptions>;
    idempotentWrites: ReadonlySet<string>;
  };
  breaker: Required<BreakerOptions>;
  timeouts: Required<TimeoutOptions>;
  queue: Required<QueueOptions>;
  pool: Required<PoolOptions>;
  metrics: false | (MetricsOptions & Required<Pick<MetricsOptions, 'prefix' | MetricsListenerField>>);
  tracing: false | TracingOptions;
  slowlog: false | SlowlogOptions;
  fallbacks: FallbackOptions;
  logger: Logger | undefined;
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const ms = (min: number, max: number) => int(min, max).optional();

const schema = z.strictObject({
  redis: z
    .union([z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'), z.looseObject({})])
    .optional(),
  serviceName: z.string().min(1).max(200).optional(),
  clientName: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . : -')
    .optional(),
  retry: z
    .strictObject({
      maxAttempts: int(1, 20).optional(),
      baseDelayMs: ms(0, 60_000),
      maxDelayMs: ms(0, 300_000),
      jitter: z.enum(['full', 'equal', 'none']).optional(),
      deadlineMs: ms(1, 600_000),
      budget: z
        .union([
          z.literal(false),
          z.strictObject({
            ratio: z.number().min(0).max(10).optional(),
            minPerSecond: z.number().min(0).max(100_000).optional(),
            windowMs: ms(1000, 600_000),
          }),
        ])
        .optional(),
      idempotentWrites: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  breaker: z
    .strictObject({
      errorThresholdPercentage: z.number().min(1).max(100).optional(),
      volumeThreshold: int(1, 1_000_000).optional(),
      rollingWindowMs: ms(100, 3_600_000),
      resetTimeoutMs: ms(10, 3_600_000),
      halfOpenProbes: int(1, 100).optional(),
      enabled: z.boolean().optional(),
    })
    .optional(),
  timeouts: z.strictObject({ connectMs: ms(1, 600_000), commandMs: ms(1, 600_000) }).optional(),
  queue: z.strictObject({ maxOffline: int(0, 10_000_000).optional(), maxWaitMs: ms(0, 600_000) }).optional(),
  pool: z.strictObject({ size: int(1, 1024).optional(), acquireTimeoutMs: ms(0, 600_000) }).optional(),
  metrics: z
    .union([
      z.literal(false),
      z.strictObject({
        registry: z
          .custom<Registry>(
            (v) => typeof v === 'object' && v !== null && typeof (v as Registry).registerMetric === 'function',
            'must be a prom-client Registry',
          )
          .optional(),
        prefix: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a valid Prometheus metric name prefix')
          .optional(),
        port: int(0, 65_535).optional(),
        host: z.string().min(1).optional(),
        headersTimeoutMs: ms(1, 600_000),
        requestTimeoutMs: ms(1, 600_000),
        idleTimeoutMs: ms(1, 3_600_000),
        maxConnections: int(1, 100_000).optional(),
      }),
    ])
    .optional(),
  tracing: z
    .union([
      z.literal(false),
      z.strictObject({
        startSdk: z.boolean().optional(),
        endpoint: z.url().optional(),
        dbQueryText: z.boolean().optional(),
      }),
    ])
    .optional(),
  slowlog: z.union([z.literal(false), z.strictObject({ intervalMs: int(100, 3_600_000) })]).optional(),
  // createFallbacks validates each field itself and names it `fallbacks.*`.
  fallbacks: z.looseObject({}).optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['info', 'warn', 'error'].every((m) => typeof (v as never)[m] === 'function'),
      'must be a pino-compatible logger with info, warn and error methods',
    )
    .optional(),
});

/** A union failure says only "invalid input"; report the issue of the object branch the user meant instead. */
function leafIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const branch = issue.errors.find((issues) => issues.length > 0 && issues.every((i) => i.path.length > 0));
  return branch ? branch.flatMap((i) => leafIssues({ ...i, path: [...issue.path, ...i.path] })) : [issue];
}

/** Dotted path of the offending option; for an unknown key, the key itself. */
function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0]);
  return path.join('.') || '(options)';
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.join('.') || '(options)';
  let got = input;
  for (const p of issue.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  const shown =
    issue.code === 'unrecognized_keys'
      ? ''
      : typeof got === 'number' || typeof got === 'boolean'
        ? ` (got ${got})`
        : got === undefined
          ? ''
          : ` (got ${typeof got})`;
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const range = rangeOf(issue.path, input);
    return `${path}: ${range}${shown}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `${path === '(options)' ? '' : `${path}: `}unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map((k) => (path === '(options)' ? k : `${path}.${k}`))
      .join(', ')}`;
  }
  return `${path}: ${issue.message}${shown}`;
}

/** "must be an integer from 1 to 20", read back from the schema so the message always matches the check. */
function rangeOf(path: readonly PropertyKey[], _input: unknown): string {
  let node: z.ZodType = schema;
  for (const p of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(p)] ?? node;
  }
  node = unwrap(node);
  if (node instanceof z.ZodNumber) {
    const { minValue, maxValue, isInt } = node;
    return `must be ${isInt ? 'an integer' : 'a number'} from ${minValue} to ${maxValue}`;
  }
  return 'is out of range';
}

function unwrap(node: z.ZodType): z.ZodType {
  let n = node;
  for (;;) {
    if (n instanceof z.ZodOptional) n = n.unwrap() as z.ZodType;
    else if (n instanceof z.ZodUnion) n = (n.options as z.ZodType[]).find((o) => o instanceof z.ZodObject) ?? n;
    else return n;
    if (!(n instanceof z.ZodOptional) && !(n instanceof z.ZodUnion)) return n;
  }
}

/** Validate and merge defaults. Throws InvalidOptionsError naming every bad field and its accepted range. */
export function resolveOptions(input: ResilienceOptions = {}): ResolvedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidOptionsError('(options)', ['(options): must be an object']);
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const leaves = parsed.error.issues.flatMap(leafIssues);
    throw new InvalidOptionsError(
      leaves[0] ? fieldOf(leaves[0]) : '(options)',
      leaves.map((i) => describeIssue(i, input)),
    );
  }
  // An explicit `undefined` (common when options come from env vars) means "use the default".
  const o = withoutUndefined(input);
  const retry = { ...DEFAULTS.retry, ...o.retry };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    throw new InvalidOptionsError('retry.maxDelayMs', [
      `retry.maxDelayMs: must be at least retry.baseDelayMs (${retry.baseDelayMs})`,
    ]);
  }
  const metrics = o.metrics === false ? false : { ...DEFAULTS.metrics, ...o.metrics };
  // node:http refuses a header wait longer than the whole request's.
  if (metrics && metrics.headersTimeoutMs > metrics.requestTimeoutMs) {
    throw new InvalidOptionsError('metrics.headersTimeoutMs', [
      `metrics.headersTimeoutMs: must be at most metrics.requestTimeoutMs (${metrics.requestTimeoutMs})`,
    ]);
  }
  const serviceName = o.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'redis-resilience';
  const clientName = o.clientName ?? sanitizeLabel(serviceName);
  return {
    redis: o.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    serviceName,
    clientName,
    retry: {
      ...retry,
      budget: o.retry?.budget === false ? false : { ...DEFAULTS.retry.budget, ...o.retry?.budget },
      idempotentWrites: new Set(retry.idempotentWrites.map((c) => c.toLowerCase())),
    },
    breaker: { ...DEFAULTS.breaker, ...o.breaker },
    timeouts: { ...DEFAULTS.timeouts, ...o.timeouts },
    queue: { ...DEFAULTS.queue, ...o.queue },
    pool: { ...DEFAULTS.pool, ...o.pool },
    metrics: metrics && { ...metrics, prefix: metrics.prefix ?? 'redis_resilience_' },
    tracing: o.tracing === false ? false : { ...o.tracing },
    slowlog: o.slowlog ?? false,
    fallbacks: o.fallbacks ?? {},
    logger: o.logger,
  };
}

const SECTIONS = ['retry', 'breaker', 'timeouts', 'queue', 'pool', 'metrics', 'tracing', 'slowlog'] as const;

/** Drop `undefined` fields from the top level and from each section; user objects (redis, logger) are kept as is. */
function withoutUndefined(input: ResilienceOptions): ResilienceOptions {
  const strip = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const out = strip(input) as Record<string, unknown>;
  for (const key of SECTIONS) {
    const section = out[key];
    if (typeof section === 'object' && section !== null) out[key] = strip(section);
  }
  const retry = out.retry as RetryOptions | undefined;
  if (retry && typeof retry.budget === 'object') retry.budget = strip(retry.budget);
  return out as ResilienceOptions;
}

function sanitizeLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64) || 'default';
}
