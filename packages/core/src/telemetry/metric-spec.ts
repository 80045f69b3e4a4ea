/** How a catalog entry is written down: its type, labels, buckets, and whether it is recorded on every call. */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec<T extends MetricType = MetricType> {
  /** Name without the configurable prefix (semconv `db_client_*` metrics are never prefixed). */
  readonly name: string;
  readonly type: T;
  readonly help: string;
  readonly labels: readonly string[];
  /** false for OpenTelemetry semconv names, which keep their standard spelling. */
  readonly prefixed: boolean;
  /** The semconv instrument name on the OpenTelemetry path; ours are named as in Prometheus (see otelName). */
  readonly semconv?: string;
  readonly buckets?: readonly number[];
  /**
   * Recorded on every call: kept off prom-client's per-update label hashing (see fast-metrics.ts). Only per-call
   * series are hot; everything else is a plain prom-client metric.
   */
  readonly hot: boolean;
}

export const spec = <T extends MetricType>(
  name: string,
  type: T,
  help: string,
  labels: readonly string[],
  extra: Partial<Pick<MetricSpec, 'buckets' | 'semconv'>> = {},
): MetricSpec<T> & { readonly hot: false } => ({
  name,
  type,
  help,
  labels,
  // A semconv metric keeps its standard name, so dashboards can sum it with other clients'.
  prefixed: extra.semconv === undefined,
  hot: false,
  ...extra,
});

/** A per-call series (see MetricSpec.hot). */
export const hotSpec = <T extends 'counter' | 'histogram'>(
  ...args: Parameters<typeof spec<T>>
): MetricSpec<T> & { readonly hot: true } => ({ ...spec(...args), hot: true });
