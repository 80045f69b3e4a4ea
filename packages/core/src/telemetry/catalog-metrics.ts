/**
 * The catalog as metric objects in one Registry: prom-client metrics, except the per-call series, which are
 * fast-metrics.ts objects (see there). Instances sharing a registry share these objects.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CATALOG, type MetricKey, type MetricSpec, metricName } from './catalog.js';
import { FastCounter, FastHistogram } from './fast-metrics.js';

/**
 * The type of each catalog entry, spelled out because the catalog's specs are typed as plain `MetricSpec`.
 * registerCatalog checks this table against the catalog, so a changed catalog entry fails loudly at creation.
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
  sessionPendingWriteBacks: 'gauge',
  sessionWriteBackFailures: 'counter',
  sessionWriteBacksDropped: 'counter',
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

function create(registry: Registry, key: MetricKey, prefix: string): unknown {
  const spec: MetricSpec = CATALOG[key];
  if (spec.type !== KINDS[key])
    throw new Error(`catalog entry ${key} is a ${spec.type}; update KINDS in catalog-metrics.ts`);
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

/** Register every catalog entry into `registry`, or reuse the identical ones another instance registered there. */
export function registerCatalog(registry: Registry, prefix: string): CatalogMetrics {
  const all: Partial<Record<MetricKey, unknown>> = {};
  for (const key of Object.keys(CATALOG) as MetricKey[]) all[key] = create(registry, key, prefix);
  return all as CatalogMetrics;
}
