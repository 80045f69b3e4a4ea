/**
 * Alert thresholds that panels draw as dashed lines. The rules file is YAML, so test/rules.test.ts checks that each
 * alert's expression compares against exactly these numbers: a threshold cannot change in one place only.
 */
export const ALERT_THRESHOLDS = {
  /** failure + rejected calls / all calls, 5m. */
  RedisHighFailureRatio: 0.05,
  /** p99 of logical call duration in seconds, rejected calls excluded, 5m. */
  RedisLatencyP99High: 0.05,
  /** Retries scheduled per logical call, 5m. */
  RedisRetryStorm: 0.2,
  /** Fallback invocations per logical call, 5m. */
  RedisFallbackRateHigh: 0.05,
} as const;
