/**
 * Metric names and PromQL selectors, all derived from the core catalog so a panel or a rule cannot name a metric the
 * library does not emit. The only names spelled out elsewhere are the recording rules (rules/recording.ts) and
 * redis_exporter's metrics (redis-exporter.ts).
 */
import { CATALOG, type MetricKey, metricName } from '@redis-resilience/core/catalog';
import type { MixinConfig } from './config.js';

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

/** `job="a", cluster=~"b"` → its matchers, split on the commas outside quotes. */
export function splitMatchers(selector: string): string[] {
  return (selector.match(/(?:[^,"]|"(?:\\.|[^"\\])*")+/g) ?? []).map((m) => m.trim()).filter(Boolean);
}

/** `name{m1, m2}`, or the bare name when there is no matcher. */
export function vectorSelector(name: string, matchers: readonly string[]): string {
  return matchers.length === 0 ? name : `${name}{${matchers.join(', ')}}`;
}

export interface SelectorOptions {
  /** Histogram series to select instead of the family name. */
  readonly series?: HistogramSeries;
  /** Extra matchers, e.g. `outcome="rejected"`. */
  readonly match?: readonly string[];
}

export const seriesName = (key: MetricKey, o: SelectorOptions): string =>
  o.series ? histogramSeries(key, o.series) : metric(key);

/**
 * Matchers every selector of a family carries: the semconv `db.client.*` families are shared with other database
 * clients (pg, mysql …) under the same names, so ours are picked out by `db_system_name`.
 */
export function familyMatchers(key: MetricKey): string[] {
  return labelsOf(key).includes('db_system_name') ? ['db_system_name="redis"'] : [];
}

/** The rules' PromQL: selectors carry the config's service selector only. */
export function ruleSelector(config: MixinConfig, key: MetricKey, o: SelectorOptions = {}): string {
  return vectorSelector(seriesName(key, o), [
    ...splitMatchers(config.serviceSelector),
    ...familyMatchers(key),
    ...(o.match ?? []),
  ]);
}
