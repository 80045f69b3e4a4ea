/**
 * Recording rules: per-service rates and ratios that the alerts and the dashboard read. Names follow the
 * Prometheus convention `level:metric:operations`; the level lists the labels each rule keeps (`job_client:` by
 * default, `cluster_namespace_job_client:` with those extra labels).
 */
import { type MixinConfig, serviceLabels } from '../config.js';
import { ruleSelector } from '../metrics.js';
import type { RecordingRule, RuleGroup } from './types.js';

const METRICS = {
  /** Logical calls per second. */
  operationsRate: ['redis_resilience_operations', 'rate', 'long'],
  /** Calls per second that ended in `failure` or `rejected` (0 when there were none). */
  failuresRate: ['redis_resilience_operation_failures', 'rate', 'long'],
  /** failures / operations. */
  failureRatio: ['redis_resilience_operation_failure_ratio', 'rate', 'long'],
  /** The same three over the short window: a page resolves soon after recovery. */
  operationsRateShort: ['redis_resilience_operations', 'rate', 'short'],
  failuresRateShort: ['redis_resilience_operation_failures', 'rate', 'short'],
  failureRatioShort: ['redis_resilience_operation_failure_ratio', 'rate', 'short'],
  /** p99 of logical call duration, rejected calls excluded (they never reach Redis). */
  latencyP99: ['redis_resilience_operation_duration_seconds', 'p99_rate', 'long'],
  /** Retries scheduled per logical call. */
  retryAttemptsPerCall: ['redis_resilience_retry_attempts_per_call', 'ratio_rate', 'long'],
  /** Fallback invocations per logical call. */
  fallbackRatio: ['redis_resilience_fallback_invocations_per_operation', 'ratio_rate', 'long'],
} as const satisfies Record<string, readonly [string, string, 'long' | 'short']>;

export type RecordedKey = keyof typeof METRICS;

export function recordedName(c: MixinConfig, key: RecordedKey): string {
  const [metric, op, window] = METRICS[key];
  return `${serviceLabels(c).join('_')}:${metric}:${op}${c.windows[window]}`;
}

/** Every recording rule name, by key. */
export function recordedNames(c: MixinConfig): Record<RecordedKey, string> {
  return Object.fromEntries((Object.keys(METRICS) as RecordedKey[]).map((k) => [k, recordedName(c, k)])) as Record<
    RecordedKey,
    string
  >;
}

export function recordingRules(c: MixinConfig): RuleGroup<RecordingRule> {
  const by = serviceLabels(c).join(', ');
  const name = (key: RecordedKey) => recordedName(c, key);
  const calls = (window: string, match: string[] = []) =>
    `rate(${ruleSelector(c, 'operationDuration', { series: 'count', match })}[${window}])`;
  const perService = (window: 'long' | 'short', suffix: '' | 'Short') => {
    const w = c.windows[window];
    const ops = name(`operationsRate${suffix}`);
    const failures = name(`failuresRate${suffix}`);
    return [
      {
        record: ops,
        expr: `sum by (${by}) (${calls(w)})`,
        comment:
          window === 'long'
            ? 'Logical calls per second (all outcomes). Also the traffic guard of the ratio alerts.'
            : `The same over ${w}: the page's second window, so it resolves within about ${w} of recovery.`,
      },
      {
        record: failures,
        expr: `sum by (${by}) (${calls(w, ['outcome=~"failure|rejected"'])})\nor\n${ops} * 0\n`,
        ...(window === 'long' && {
          comment:
            'Calls that failed or were rejected by an open breaker. Records 0 rather than nothing until the first failure.',
        }),
      },
      { record: name(`failureRatio${suffix}`), expr: `${failures}\n/\n${ops}\n` },
    ];
  };
  const long = c.windows.long;
  const ops = name('operationsRate');
  return {
    name: 'redis-resilience.recording',
    rules: [
      ...perService('long', ''),
      ...perService('short', 'Short'),
      {
        record: name('latencyP99'),
        expr:
          'histogram_quantile(0.99,\n' +
          `  sum by (${by}, le) (rate(${ruleSelector(c, 'operationDuration', { series: 'bucket', match: ['outcome!="rejected"'] })}[${long}]))\n)\n`,
        comment: 'Rejected calls never reach Redis and answer in microseconds: counting them would hide a slow Redis.',
      },
      {
        record: name('retryAttemptsPerCall'),
        expr:
          '(\n' +
          `  sum by (${by}) (rate(${ruleSelector(c, 'retryAttempts')}[${long}]))\n  or\n` +
          `  sum by (${by}) (rate(${ruleSelector(c, 'retryCalls')}[${long}])) * 0\n)\n` +
          `/ sum by (${by}) (rate(${ruleSelector(c, 'retryCalls')}[${long}]))\n`,
        comment: 'Retries scheduled per logical call (0 until the first retry).',
      },
      {
        record: name('fallbackRatio'),
        expr:
          '(\n' +
          `  sum by (${by}) (rate(${ruleSelector(c, 'fallbackInvocations')}[${long}]))\n  or\n  ${ops} * 0\n)\n` +
          `/ ${ops}\n`,
        comment: 'Fallback invocations per logical call (0 until the first fallback).',
      },
    ],
  };
}
