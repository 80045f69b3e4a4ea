/** The performance goals of issue #17, checked against one run's results. A goal not met is reported as such. */
import type { OutageResults } from './outage.js';
import { median } from './stats.js';
import type { ArmThroughput } from './throughput.js';

export interface Goal {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

/** RSS growing by more than this per minute through an outage is not flat. */
export const FLAT_RSS_MB_PER_MIN = 1;
export const METRICS_VS_RAW = 0.92;
export const TRACED_VS_INSTRUMENTATION = 1.1;
export const UNSAMPLED_VS_METRICS = 0.97;
export const FAIL_FAST_P99_MICROS = 25;

/** Median over rounds of a's throughput ÷ b's in the same round (both are ratios to the same raw round). */
export function sameRoundRatio(a: ArmThroughput | undefined, b: ArmThroughput | undefined): number {
  if (!a || !b || a.roundRatios.length !== b.roundRatios.length) return Number.NaN;
  return median(a.roundRatios.map((r, i) => r / (b.roundRatios[i] as number)));
}

export function checkGoals(arms: readonly ArmThroughput[], outage: OutageResults): Goal[] {
  const arm = (id: ArmThroughput['id']) => arms.find((a) => a.id === id);
  const ratio = (id: ArmThroughput['id']) => arm(id)?.throughputRatio ?? Number.NaN;
  const metrics = ratio('rr-metrics');
  const traced = ratio('rr-traced');
  const ownProcess = ratio('otel-own-process');
  // Each is a ratio to its own raw baseline (the bench's raw ioredis; the child's instrumentation-disabled rounds).
  const tracedVsOtel = traced / ownProcess;
  const unsampled = sameRoundRatio(arm('rr-unsampled'), arm('rr-metrics'));
  const { failFast, memory } = outage;
  return [
    {
      name: 'metrics only vs raw ioredis',
      target: `≥ ${METRICS_VS_RAW.toFixed(2)}×`,
      actual: `${metrics.toFixed(3)}×`,
      met: metrics >= METRICS_VS_RAW,
    },
    {
      name: 'fully traced vs instrumentation-ioredis',
      target: `≥ ${TRACED_VS_INSTRUMENTATION.toFixed(2)}× (own process)`,
      actual: `${tracedVsOtel.toFixed(3)}× (${traced.toFixed(3)} ÷ ${ownProcess.toFixed(3)})`,
      met: tracedVsOtel >= TRACED_VS_INSTRUMENTATION,
    },
    {
      name: 'unsampled traced vs metrics only',
      target: `≥ ${UNSAMPLED_VS_METRICS.toFixed(2)}×`,
      actual: `${unsampled.toFixed(3)}×`,
      met: unsampled >= UNSAMPLED_VS_METRICS,
    },
    {
      name: 'open-breaker fail-fast p99',
      target: `≤ ${FAIL_FAST_P99_MICROS} µs`,
      actual: `${failFast.p99Micros.toFixed(1)} µs`,
      met: failFast.p99Micros <= FAIL_FAST_P99_MICROS,
    },
    {
      name: `RSS through a ${memory.seconds} s outage`,
      target: `flat (≤ ${FLAT_RSS_MB_PER_MIN} MB/min)`,
      actual: `${memory.rssLateSlopeMBPerMin.toFixed(2)} MB/min over its second half`,
      met: memory.rssLateSlopeMBPerMin <= FLAT_RSS_MB_PER_MIN,
    },
  ];
}
