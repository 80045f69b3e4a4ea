/**
 * Metric names and PromQL selectors, all derived from the core catalog so a panel cannot name a metric the library
 * does not emit. The only names spelled out here are the recording rules (defined in alerts/redis-resilience.rules.yml)
 * and redis_exporter's metrics, both checked by test/metric-names.test.ts.
 */
import { CATALOG, type MetricKey, metricName } from '@redis-resilience/core/catalog';

export type HistogramSeries = 'bucket' | 'count' | 'sum';

/** Exposition name of a catalog family under the default prefix. */
export function metric(key: MetricKey): string {
  return metricName(CATALOG[key]);
}

/** Labels the catalog declares for a family (Prometheus adds `job` and `instance` at scrape time). */
export function labelsOf(key: MetricKey): readonly string[] {
  return CATALOG[key].labels;
}

/** Name of one histogram series; throws for a family that is not a histogram, so a typo cannot slip into a panel. */
export function histogramSeries(key: MetricKey, series: HistogramSeries): string {
  const spec = CATALOG[key];
  if (spec.type !== 'histogram') throw new Error(`${spec.name} is a ${spec.type}, not a histogram`);
  return `${metricName(spec)}_${series}`;
}

export interface SelectorOptions {
  /** Histogram series to select instead of the family name. */
  readonly series?: HistogramSeries;
  /** Extra matchers, e.g. `outcome="rejected"`. */
  readonly match?: readonly string[];
}

/**
 * A selector for a library metric with the dashboard filters applied: `job` always, `client` whenever the family has
 * that label (the pool and semconv families do not).
 */
export function selector(key: MetricKey, options: SelectorOptions = {}): string {
  const name = options.series ? histogramSeries(key, options.series) : metric(key);
  const matchers = ['job=~"$job"'];
  if (labelsOf(key).includes('client')) matchers.push('client=~"$client"');
  matchers.push(...(options.match ?? []));
  return `${name}{${matchers.join(', ')}}`;
}

/** `rate(<selector>[$__rate_interval])` for a counter or histogram series. */
export function rate(key: MetricKey, options: SelectorOptions = {}): string {
  return `rate(${selector(key, options)}[$__rate_interval])`;
}

/** `increase(<selector>[$__rate_interval])`, for panels that read better as "events per interval". */
export function increase(key: MetricKey, options: SelectorOptions = {}): string {
  return `increase(${selector(key, options)}[$__rate_interval])`;
}

/** `histogram_quantile(q, sum by (le, …) (rate(<bucket>[$__rate_interval])))`. */
export function quantile(q: number, key: MetricKey, by: readonly string[], match: readonly string[] = []): string {
  const grouping = ['le', ...by].join(', ');
  return `histogram_quantile(${q}, sum by (${grouping}) (${rate(key, { series: 'bucket', match })}))`;
}
