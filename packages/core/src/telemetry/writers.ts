/**
 * What the metrics sink writes to, structurally: prom-client's metric objects (registry.ts) fit it, and so do the
 * OpenTelemetry instruments behind otel-catalog.ts. One sink (metrics.ts) then drives both paths, with the same
 * bounded labels and the same series primed at 0.
 */
import type { PoolStats } from '../instrumentation.js';
import type { Catalog, MetricKey } from './catalog.js';

export type Labels = Readonly<Record<string, string>>;

export interface CounterWriter {
  inc(labels: Labels, value?: number): void;
}
export interface GaugeWriter {
  set(labels: Labels, value: number): void;
  labels(labels: Labels): { set(value: number): void };
}
export interface HistogramWriter {
  observe(labels: Labels, value: number): void;
}
/** One pre-bound series of a per-call histogram; `exemplar` links the observation to its trace. */
export interface HistogramChild {
  observe(seconds: number, exemplar?: Labels): void;
}
export interface CounterChild {
  inc(by?: number): void;
}
/** A per-call metric: series bound once per label set. */
export interface HotMetric<C> {
  child(labels: Labels): C;
}
/** The `db_client_connection_count` writer also holds the pools every pool gauge reads at collection. */
export interface PoolSource {
  readonly pools: Map<string, () => PoolStats>;
}

type WriterOf<S> = S extends { hot: true }
  ? S extends { type: 'histogram' }
    ? HotMetric<HistogramChild>
    : HotMetric<CounterChild>
  : S extends { type: 'counter' }
    ? CounterWriter
    : S extends { type: 'gauge' }
      ? GaugeWriter
      : HistogramWriter;

export type CatalogWriters = { readonly [K in MetricKey]: WriterOf<Catalog[K]> } & {
  readonly poolConnectionCount: PoolSource;
};
