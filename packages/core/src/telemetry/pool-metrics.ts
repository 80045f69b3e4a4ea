/**
 * Connection pool metrics (OpenTelemetry semconv `db_client_connection_*`): gauges read from each pool at scrape
 * time, histograms and the timeout counter bound once per pool.
 */
import { diag } from '@opentelemetry/api';
import type { Counter } from 'prom-client';
import type { CatalogMetrics } from './catalog-metrics.js';
import type { HistogramSeries } from './fast-metrics.js';
import { BoundedLabel, NODE_PATTERN } from './labels.js';

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
  readonly timeouts: Counter.Internal;
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

export class PoolMetrics {
  private readonly pools = new BoundedLabel(64, [], NODE_PATTERN);
  private readonly bound = new Map<string, PoolSeries>();

  constructor(private readonly all: CatalogMetrics) {}

  /** Gauges of `pool` are read from `stats` at each scrape; the pool's histograms and counter are bound now. */
  register(pool: string, stats: () => PoolStats): void {
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
    this.series(name);
  }

  private series(pool: string): PoolSeries {
    const name = this.pools.value(pool);
    let s = this.bound.get(name);
    if (!s) {
      const labels = { db_client_connection_pool_name: name };
      s = {
        create: this.all.poolCreateTime.child(labels),
        wait: this.all.poolWaitTime.child(labels),
        use: this.all.poolUseTime.child(labels),
        timeouts: this.all.poolTimeouts.labels(labels),
      };
      s.timeouts.inc(0);
      this.bound.set(name, s);
    }
    return s;
  }

  created(pool: string, seconds: number): void {
    this.series(pool).create.observe(seconds);
  }

  wait(pool: string, seconds: number): void {
    this.series(pool).wait.observe(seconds);
  }

  use(pool: string, seconds: number): void {
    this.series(pool).use.observe(seconds);
  }

  timeout(pool: string): void {
    this.series(pool).timeouts.inc();
  }
}
