/**
 * The catalog as metric objects in one Registry, registered in one place. Hot (per-call) series are fast-metrics.ts
 * objects; everything else is a plain prom-client metric. The pool gauges read their pools at scrape time. Instances
 * sharing a registry share these objects, and what they share lives on the objects, not in module state.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolStats } from '../instrumentation.js';
import { CATALOG, type Catalog, type MetricKey, type MetricSpec, metricName } from './catalog.js';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import { reportTelemetryError } from './guard.js';

type MetricOf<S> = S extends { hot: true }
  ? S extends { type: 'histogram' }
    ? FastHistogram
    : FastCounter
  : S extends { type: 'counter' }
    ? Counter
    : S extends { type: 'gauge' }
      ? Gauge
      : Histogram;

/** Every catalog metric object, typed from the catalog itself. */
export type CatalogMetrics = { readonly [K in MetricKey]: MetricOf<Catalog[K]> } & { poolConnectionCount: PoolGauge };

/** Pools whose gauges are read at scrape: kept on the `db_client_connection_count` gauge, which every instance shares. */
export class PoolGauge extends Gauge {
  readonly pools = new Map<string, () => PoolStats>();
}

const POOL_GAUGES = new Set<MetricKey>(['poolConnectionCount', 'poolConnectionMax', 'poolPendingRequests']);

function same(existing: { labelNames?: readonly string[] }, spec: MetricSpec): boolean {
  const names = existing.labelNames ?? [];
  return names.length === spec.labels.length && spec.labels.every((l, i) => names[i] === l);
}

function create(key: MetricKey, name: string, spec: MetricSpec, sources: () => PoolGauge | undefined): unknown {
  if (spec.hot) {
    return spec.type === 'histogram'
      ? new FastHistogram(name, spec.help, spec.labels, spec.buckets ?? [])
      : new FastCounter(name, spec.help, spec.labels);
  }
  const config = { name, help: spec.help, labelNames: [...spec.labels], registers: [] };
  if (spec.type === 'counter') return new Counter(config);
  if (spec.type === 'histogram') return new Histogram({ ...config, buckets: [...(spec.buckets ?? [])] });
  if (!POOL_GAUGES.has(key)) return new Gauge(config);
  const L = 'db_client_connection_pool_name';
  const S = 'db_system_name';
  // prom-client calls `collect` on the gauge before it renders it: read every registered pool then.
  const collect = (set: (g: Gauge, pool: string, s: PoolStats) => void) =>
    function (this: Gauge) {
      for (const [pool, stats] of sources()?.pools ?? []) {
        try {
          set(this, pool, stats());
        } catch (err) {
          // One broken pool costs its own series, never the whole scrape.
          reportTelemetryError(`reading stats of pool ${pool}`, err);
        }
      }
    };
  if (key === 'poolConnectionCount') {
    return new PoolGauge({
      ...config,
      collect: collect((g, p, s) => {
        g.set({ [S]: 'redis', [L]: p, db_client_connection_state: 'used' }, s.used);
        g.set({ [S]: 'redis', [L]: p, db_client_connection_state: 'idle' }, s.idle);
      }),
    });
  }
  const field = key === 'poolConnectionMax' ? 'max' : 'pending';
  return new Gauge({ ...config, collect: collect((g, p, s) => g.set({ [S]: 'redis', [L]: p }, s[field])) });
}

/** Register every catalog entry into `registry`, or reuse the identical ones another instance registered there. */
export function registerCatalog(registry: Registry, prefix: string): CatalogMetrics {
  const all: Partial<Record<MetricKey, unknown>> = {};
  const pools = () => all.poolConnectionCount as PoolGauge | undefined;
  for (const key of Object.keys(CATALOG) as MetricKey[]) {
    const spec: MetricSpec = CATALOG[key];
    const name = metricName(spec, prefix);
    const existing = registry.getSingleMetric(name) as unknown as
      | { type?: string; labelNames?: readonly string[] }
      | undefined;
    if (existing) {
      // Two instances (two `client` labels) may share one registry; they then share the metric objects.
      // Duck-typed: the ESM and CJS builds of this package may both register into one app registry.
      const hot = typeof (existing as { child?: unknown }).child === 'function';
      const pool = key !== 'poolConnectionCount' || (existing as { pools?: unknown }).pools instanceof Map;
      if (existing.type === spec.type && same(existing, spec) && hot === spec.hot && pool) {
        all[key] = existing;
        continue;
      }
      throw new Error(
        `metric ${name} is already registered in this registry as a ${existing.type} with labels ` +
          `[${existing.labelNames?.join(', ')}]; use another registry or metrics.prefix`,
      );
    }
    const metric = create(key, name, spec, pools);
    registry.registerMetric(metric as Counter);
    all[key] = metric;
  }
  return all as CatalogMetrics;
}
