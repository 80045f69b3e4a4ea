/** The dashboard's PromQL, from the mixin config: every selector carries the config's selector and the variables. */
import type { MetricKey } from '@redis-resilience/core/catalog';
import { type MixinConfig, serviceLabels } from './config.js';
import {
  familyMatchers,
  labelsOf,
  type SelectorOptions,
  seriesName,
  splitMatchers,
  vectorSelector,
} from './metrics.js';
import { type RecordedKey, recordedName } from './rules/recording.js';

export interface DashboardPromql {
  readonly config: MixinConfig;
  /**
   * A selector for a library metric: the config's service selector, a `=~"$label"` filter per extra label, `job`
   * always, `client` whenever the family has that label (the pool and semconv families do not).
   */
  selector(key: MetricKey, options?: SelectorOptions): string;
  /** `rate(<selector>[$__rate_interval])` for a counter or histogram series. */
  rate(key: MetricKey, options?: SelectorOptions): string;
  /** `increase(<selector>[$__rate_interval])`, for panels that read better as "events per interval". */
  increase(key: MetricKey, options?: SelectorOptions): string;
  /**
   * The increase over `window`, a series born within it counted whole: a counter created by its first event (a
   * breaker's first trip, its first close) already counts that event, and increase() alone never sees it.
   */
  increaseWithNew(key: MetricKey, window: string, options?: SelectorOptions): string;
  /** `histogram_quantile(q, sum by (le, …) (rate(<bucket>[$__rate_interval])))`. */
  quantile(q: number, key: MetricKey, by: readonly string[], match?: readonly string[]): string;
  /** A recording rule with the dashboard filters (every rule keeps the service labels). */
  recorded(key: RecordedKey): string;
}

export function dashboardPromql(config: MixinConfig): DashboardPromql {
  const base = [...splitMatchers(config.serviceSelector), ...config.extraLabels.map((l) => `${l}=~"$${l}"`)];
  const selector = (key: MetricKey, o: SelectorOptions = {}): string => {
    const matchers = [...base, 'job=~"$job"'];
    if (labelsOf(key).includes('client')) matchers.push('client=~"$client"');
    return vectorSelector(seriesName(key, o), [...matchers, ...familyMatchers(key), ...(o.match ?? [])]);
  };
  const rate = (key: MetricKey, o: SelectorOptions = {}) => `rate(${selector(key, o)}[$__rate_interval])`;
  return {
    config,
    selector,
    rate,
    increase: (key, o = {}) => `increase(${selector(key, o)}[$__rate_interval])`,
    increaseWithNew: (key, window, o = {}) => {
      const s = selector(key, o);
      return `(${s} unless ${s} offset ${window}) or increase(${s}[${window}])`;
    },
    quantile: (q, key, by, match = []) =>
      `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (${rate(key, { series: 'bucket', match })}))`,
    // The rules already applied the service selector, and keep only the service labels.
    recorded: (key) =>
      vectorSelector(
        recordedName(config, key),
        serviceLabels(config).map((l) => `${l}=~"$${l}"`),
      ),
  };
}
