/**
 * Recording rules the dashboard reads. They are defined in alerts/redis-resilience.rules.yml (group
 * `redis-resilience.recording`); test/metric-names.test.ts fails if a name here is not recorded there.
 * Names follow the Prometheus convention `level:metric:operations`; the level lists the labels each rule keeps.
 */
export const RECORDED = {
  /** Logical calls per second. */
  operationsRate: 'job_client:redis_resilience_operations:rate5m',
  /** Calls per second that ended in `failure` or `rejected` (0 when there were none). */
  failuresRate: 'job_client:redis_resilience_operation_failures:rate5m',
  /** failures / operations. */
  failureRatio: 'job_client:redis_resilience_operation_failure_ratio:rate5m',
  /** p99 of logical call duration, rejected calls excluded (they never reach Redis). */
  latencyP99: 'job_client:redis_resilience_operation_duration_seconds:p99_rate5m',
  /** Retries scheduled per logical call. */
  retryAttemptsPerCall: 'job_client:redis_resilience_retry_attempts_per_call:ratio_rate5m',
  /** Fallback invocations per logical call. */
  fallbackRatio: 'job_client:redis_resilience_fallback_invocations_per_operation:ratio_rate5m',
} as const;

/** A selector for a recording rule with the dashboard filters (every rule keeps `job` and `client`). */
export function recorded(name: (typeof RECORDED)[keyof typeof RECORDED]): string {
  return `${name}{job=~"$job", client=~"$client"}`;
}
