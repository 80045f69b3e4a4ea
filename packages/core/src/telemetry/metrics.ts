/**
 * The catalog registered into one injected prom-client Registry. The three per-call series (call duration, attempt
 * duration, retry outcome) are fast-metrics.ts objects bound once per label set; the rest are plain prom-client
 * metrics, bound once too, because they move only on retries, errors and state changes.
 */
import { diag } from '@opentelemetry/api';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  BREAKER_STATES,
  type BreakerStateName,
  CATALOG,
  type MetricKey,
  type MetricSpec,
  metricName,
  OUTCOMES,
  type Outcome,
  type RetryCallKind,
} from './catalog.js';
import { type CounterSeries, FastCounter, FastHistogram, type HistogramSeries } from './fast-metrics.js';
import {
  BoundedLabel,
  CLIENT_STATUSES,
  connectionErrorLabel,
  fallbackTypeLabel,
  NODE_PATTERN,
  STREAM_PATTERN,
  statusLabel,
} from './labels.js';

/**
 * The type of each catalog entry, spelled out because the catalog's specs are typed as plain `MetricSpec`. The
 * constructor checks this table against the catalog, so a changed catalog entry fails loudly at creation.
 */
const KINDS = {
  operationDuration: 'histogram',
  breakerState: 'gauge',
  breakerTransitions: 'counter',
  retryAttempts: 'counter',
  retryCalls: 'counter',
  retryBudgetExhausted: 'counter',
  fallbackInvocations: 'counter',
  connectionErrors: 'counter',
  clientStatus: 'gauge',
  reconnects: 'counter',
  offlineQueueLength: 'gauge',
  cacheRequests: 'counter',
  queueSpooled: 'gauge',
  queueReplayed: 'counter',
  queueDeadLettered: 'counter',
  failovers: 'counter',
  slowCommands: 'counter',
  dbOperationDuration: 'histogram',
  poolConnectionCount: 'gauge',
  poolConnectionMax: 'gauge',
  poolPendingRequests: 'gauge',
  poolTimeouts: 'counter',
  poolCreateTime: 'histogram',
  poolWaitTime: 'histogram',
  poolUseTime: 'histogram',
} as const satisfies Record<MetricKey, MetricSpec['type']>;

interface MetricClasses {
  counter: Counter;
  gauge: Gauge;
  histogram: Histogram;
}

/** Catalog entries recorded on every call, so kept off prom-client's per-update label hashing. */
const FAST = {
  operationDuration: true,
  dbOperationDuration: true,
  retryCalls: true,
  poolCreateTime: true,
  poolWaitTime: true,
  poolUseTime: true,
} as const;
type FastKey = keyof typeof FAST;

/** Every catalog metric object; what other modules (pool, slowlog, failover) record into. */
export type CatalogMetrics = {
  readonly [K in MetricKey]: K extends FastKey
    ? (typeof KINDS)[K] extends 'histogram'
      ? FastHistogram
      : FastCounter
    : MetricClasses[(typeof KINDS)[K]];
};

export interface MetricsConfig {
  /** Prefix for the non-semconv names. */
  prefix: string;
  /** The `client` label value. */
  client: string;
  /** Server of the semconv `db_client_operation_duration_seconds` series. */
  server?: { address: string; port: number | undefined };
}

/** Exemplar labels of one observation: the trace it belongs to. */
export type ExemplarLabels = { readonly trace_id: string; readonly span_id: string };

export interface PoolStats {
  max: number;
  used: number;
  idle: number;
  pending: number;
}

/** Series of one connection pool. */
interface PoolSeries {
  readonly create: HistogramSeries;
  readonly wait: HistogramSeries;
  readonly use: HistogramSeries;
  readonly timeouts: CounterChild;
}

/**
 * Pools whose gauges are read at scrape time, per gauge object: instances sharing a registry share the gauges, so
 * the sources live with the gauge rather than with one instance.
 */
const poolSources = new WeakMap<object, Map<string, () => PoolStats>>();

function readPools(gauge: object, read: (pool: string, stats: PoolStats) => void): void {
  for (const [pool, stats] of poolSources.get(gauge) ?? []) {
    try {
      read(pool, stats());
    } catch (err) {
      diag.error(`@redis-resilience/core telemetry: reading stats of pool ${pool} failed`, err);
    }
  }
}

type CounterChild = Counter.Internal;
type GaugeChild = Gauge.Internal<string>;

/** Pre-bound series for one operation label: the call duration per outcome, attempts per error type, retries. */
interface OperationSeries {
  readonly duration: HistogramSeries[];
  readonly retries: Map<string, CounterChild>;
  readonly attempts: Map<string, HistogramSeries>;
  budgetExhausted: CounterChild | undefined;
}

const OUTCOME_INDEX: Readonly<Record<Outcome, number>> = Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<
  Outcome,
  number
>;

function create(registry: Registry, key: MetricKey, prefix: string): unknown {
  const spec: MetricSpec = CATALOG[key];
  if (spec.type !== KINDS[key]) throw new Error(`catalog entry ${key} is a ${spec.type}; update KINDS in metrics.ts`);
  const name = metricName(spec, prefix);
  const fast = key in FAST;
  const existing = registry.getSingleMetric(name) as unknown as
    | { type?: string; labelNames?: readonly string[]; child?: unknown }
    | undefined;
  if (existing) {
    // Two instances (two `client` labels) may share one registry; they then share the metric objects.
    const sameLabels =
      existing.labelNames?.length === spec.labels.length && spec.labels.every((l, i) => existing.labelNames?.[i] === l);
    if (existing.type === spec.type && sameLabels && fast === (typeof existing.child === 'function')) return existing;
    throw new Error(
      `metric ${name} is already registered in this registry as a ${existing.type} with labels ` +
        `[${existing.labelNames?.join(', ')}]; use another registry or metrics.prefix`,
    );
  }
  let metric: Counter | Gauge | Histogram | FastHistogram | FastCounter;
  if (fast) {
    metric =
      spec.type === 'histogram'
        ? new FastHistogram(name, spec.help, spec.labels, spec.buckets ?? [])
        : new FastCounter(name, spec.help, spec.labels);
  } else {
    const config = { name, help: spec.help, labelNames: [...spec.labels], registers: [] };
    switch (spec.type) {
      case 'counter':
        metric = new Counter(config);
        break;
      case 'gauge':
        metric = new Gauge(config);
        break;
      case 'histogram':
        metric = new Histogram({ ...config, buckets: [...(spec.buckets ?? [])] });
        break;
    }
  }
  registry.registerMetric(metric as Counter);
  return metric;
}

export class Metrics {
  readonly all: CatalogMetrics;
  private readonly client: string;
  private readonly serverAddress: string;
  private readonly serverPort: string;
  private readonly operations = new Map<string, OperationSeries>();
  private readonly retryCalls: Record<RetryCallKind, CounterSeries>;
  private readonly breakerStates = new Map<string, Record<BreakerStateName, GaugeChild>>();
  private readonly statuses = new Map<string, GaugeChild>();
  private readonly cacheResults = new Map<string, CounterChild>();
  private readonly streams = new BoundedLabel(64, [], STREAM_PATTERN);
  private currentStatus: string | undefined;
  private readonly errorTypes = new BoundedLabel(32);
  private readonly reasons = new BoundedLabel(32);
  private readonly nodes = new BoundedLabel(1024, ['default'], NODE_PATTERN);
  private readonly reconnects: CounterChild;
  private readonly offlineQueue: GaugeChild;
  private readonly failovers: CounterChild;
  private readonly pools = new BoundedLabel(64, [], NODE_PATTERN);
  private readonly poolSeries = new Map<string, PoolSeries>();

  constructor(
    readonly registry: Registry,
    config: MetricsConfig,
  ) {
    const all: Partial<Record<MetricKey, unknown>> = {};
    for (const key of Object.keys(CATALOG) as MetricKey[]) all[key] = create(registry, key, config.prefix);
    this.all = all as CatalogMetrics;
    this.client = config.client;
    this.serverAddress = config.server?.address ?? '';
    this.serverPort = config.server?.port === undefined ? '' : String(config.server.port);

    const client = this.client;
    // Every retry outcome at 0 from the start, so rate() and absent() see the series before the first call.
    const calls = this.all.retryCalls;
    this.retryCalls = {
      success_without_retry: calls.child({ client, kind: 'success_without_retry' }),
      success_with_retry: calls.child({ client, kind: 'success_with_retry' }),
      failed_without_retry: calls.child({ client, kind: 'failed_without_retry' }),
      failed_with_retry: calls.child({ client, kind: 'failed_with_retry' }),
    };
    this.reconnects = this.all.reconnects.labels({ client });
    this.reconnects.inc(0);
    this.offlineQueue = this.all.offlineQueueLength.labels({ client });
    this.offlineQueue.set(0);
    this.failovers = this.all.failovers.labels({ client });
    this.failovers.inc(0);
    for (const status of CLIENT_STATUSES) this.statusChild(status).set(0);
    this.setBreakerState('default', 'closed');
  }

  private series(operation: string): OperationSeries {
    let s = this.operations.get(operation);
    if (!s) {
      const client = this.client;
      s = {
        duration: OUTCOMES.map((outcome) => this.all.operationDuration.child({ client, operation, outcome })),
        retries: new Map(),
        attempts: new Map(),
        budgetExhausted: undefined,
      };
      this.operations.set(operation, s);
    }
    return s;
  }

  /** One logical call ended. `operation` must already be a bounded label (see operations.ts). */
  observeCall(operation: string, outcome: Outcome, seconds: number, exemplar?: ExemplarLabels): void {
    const s = this.series(operation);
    const i = OUTCOME_INDEX[outcome] ?? OUTCOME_INDEX.failure;
    s.duration[i]!.observe(seconds, exemplar);
  }

  /** One physical attempt ended (semconv `db_client_operation_duration_seconds`); `errorType` undefined on success. */
  observeAttempt(operation: string, dbOperationName: string, errorType: string | undefined, seconds: number): void {
    const s = this.series(operation);
    const type = errorType === undefined ? '' : this.errorTypes.value(errorType);
    let child = s.attempts.get(type);
    if (!child) {
      child = this.all.dbOperationDuration.child({
        db_system_name: 'redis',
        db_operation_name: dbOperationName,
        server_address: this.serverAddress,
        server_port: this.serverPort,
        error_type: type,
      });
      s.attempts.set(type, child);
    }
    child.observe(seconds);
  }

  retryCall(kind: RetryCallKind): void {
    this.retryCalls[kind].inc();
  }

  retry(operation: string, errorType: string): void {
    const s = this.series(operation);
    const type = this.errorTypes.value(errorType);
    let child = s.retries.get(type);
    if (!child) {
      child = this.all.retryAttempts.labels({ client: this.client, operation, error_type: type });
      s.retries.set(type, child);
    }
    child.inc();
  }

  retryBudgetExhausted(operation: string): void {
    const s = this.series(operation);
    s.budgetExhausted ??= this.all.retryBudgetExhausted.labels({ client: this.client, operation });
    s.budgetExhausted.inc();
  }

  fallback(type: string, reason: string, served: boolean): void {
    this.all.fallbackInvocations.inc({
      client: this.client,
      fallback_type: fallbackTypeLabel(type),
      reason: this.reasons.value(reason),
      outcome: served ? 'served' : 'failed',
    });
  }

  cacheResult(result: 'hit' | 'miss' | 'fallback'): void {
    let child = this.cacheResults.get(result);
    if (!child) {
      child = this.all.cacheRequests.labels({ client: this.client, result });
      this.cacheResults.set(result, child);
    }
    child.inc();
  }

  queueSpooled(stream: string, depth: number): void {
    this.all.queueSpooled.set({ client: this.client, stream: this.streams.value(stream) }, depth);
  }

  queueReplayed(stream: string, count: number): void {
    this.all.queueReplayed.inc({ client: this.client, stream: this.streams.value(stream) }, count);
  }

  queueDeadLettered(stream: string, count: number): void {
    this.all.queueDeadLettered.inc({ client: this.client, stream: this.streams.value(stream) }, count);
  }

  /** 1 for `state`, 0 for the other states of `node`. */
  setBreakerState(node: string, state: BreakerStateName): void {
    const n = this.nodes.value(node);
    let children = this.breakerStates.get(n);
    if (!children) {
      const g = this.all.breakerState;
      const client = this.client;
      children = {
        closed: g.labels({ client, node: n, state: 'closed' }),
        open: g.labels({ client, node: n, state: 'open' }),
        half_open: g.labels({ client, node: n, state: 'half_open' }),
      };
      this.breakerStates.set(n, children);
    }
    for (const s of BREAKER_STATES) children[s].set(s === state ? 1 : 0);
  }

  breakerTransition(node: string, from: BreakerStateName, to: BreakerStateName): void {
    this.setBreakerState(node, to);
    this.all.breakerTransitions.inc({
      client: this.client,
      node: this.nodes.value(node),
      from_state: from,
      to_state: to,
    });
  }

  private statusChild(status: string): GaugeChild {
    let child = this.statuses.get(status);
    if (!child) {
      child = this.all.clientStatus.labels({ client: this.client, status });
      this.statuses.set(status, child);
    }
    return child;
  }

  connectionStatus(status: string): void {
    const label = statusLabel(status);
    if (label === this.currentStatus) return;
    if (this.currentStatus !== undefined) this.statusChild(this.currentStatus).set(0);
    this.statusChild(label).set(1);
    this.currentStatus = label;
  }

  connectionError(type: string): void {
    this.all.connectionErrors.inc({ client: this.client, error_type: connectionErrorLabel(type) });
  }

  reconnecting(): void {
    this.reconnects.inc();
  }

  offlineQueueLength(length: number): void {
    this.offlineQueue.set(length);
  }

  failover(): void {
    this.failovers.inc();
  }

  /** Gauges of `pool` are read from `stats` at each scrape; the pool's histograms and counter are bound now. */
  registerPool(pool: string, stats: () => PoolStats): void {
    const name = this.pools.value(pool);
    const count = this.all.poolConnectionCount;
    let sources = poolSources.get(count);
    if (!sources) {
      sources = new Map();
      poolSources.set(count, sources);
      const { poolConnectionMax: max, poolPendingRequests: pending } = this.all;
      const L = 'db_client_connection_pool_name';
      // prom-client calls `collect` before rendering each gauge; assigned once per gauge object.
      Object.assign(count, {
        collect: () =>
          readPools(count, (p, s) => {
            count.set({ [L]: p, db_client_connection_state: 'used' }, s.used);
            count.set({ [L]: p, db_client_connection_state: 'idle' }, s.idle);
          }),
      });
      Object.assign(max, { collect: () => readPools(count, (p, s) => max.set({ [L]: p }, s.max)) });
      Object.assign(pending, { collect: () => readPools(count, (p, s) => pending.set({ [L]: p }, s.pending)) });
    }
    sources.set(name, stats);
    this.pool(name);
  }

  private pool(pool: string): PoolSeries {
    const name = this.pools.value(pool);
    let s = this.poolSeries.get(name);
    if (!s) {
      const labels = { db_client_connection_pool_name: name };
      s = {
        create: this.all.poolCreateTime.child(labels),
        wait: this.all.poolWaitTime.child(labels),
        use: this.all.poolUseTime.child(labels),
        timeouts: this.all.poolTimeouts.labels(labels),
      };
      s.timeouts.inc(0);
      this.poolSeries.set(name, s);
    }
    return s;
  }

  poolConnectionCreated(pool: string, seconds: number): void {
    this.pool(pool).create.observe(seconds);
  }

  poolWait(pool: string, seconds: number): void {
    this.pool(pool).wait.observe(seconds);
  }

  poolUse(pool: string, seconds: number): void {
    this.pool(pool).use.observe(seconds);
  }

  poolTimeout(pool: string): void {
    this.pool(pool).timeouts.inc();
  }
}

/** Register the whole catalog into `registry` (never the global one unless the caller passes it). */
export function createMetrics(registry: Registry, config: MetricsConfig): Metrics {
  return new Metrics(registry, config);
}
