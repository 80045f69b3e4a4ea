/** The performance goals of issue #7, checked against one run's results. */
import type { OutageResults } from './outage.js';
import type { ArmThroughput } from './throughput.js';

export interface Goal {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

/** RSS growing by more than this per minute through an outage is not flat. */
export const FLAT_RSS_MB_PER_MIN = 1;

export function checkGoals(arms: readonly ArmThroughput[], outage: OutageResults): Goal[] {
  const ratio = (id: ArmThroughput['id']) => arms.find((a) => a.id === id)?.throughputRatio ?? Number.NaN;
  const metrics = ratio('rr-metrics');
  const traced = ratio('rr-traced');
  const otel = ratio('otel');
  const { failFast, memory } = outage;
  return [
    { name: 'metrics only vs raw ioredis', target: '≥ 0.85×', actual: `${metrics.toFixed(3)}×`, met: metrics >= 0.85 },
    { name: 'fully traced vs raw ioredis', target: '≥ 0.50×', actual: `${traced.toFixed(3)}×`, met: traced >= 0.5 },
    {
      name: 'fully traced vs instrumentation-ioredis',
      target: 'not slower',
      actual: `${traced.toFixed(3)}× vs ${otel.toFixed(3)}×`,
      met: traced >= otel,
    },
    {
      name: 'open-breaker fail-fast p99',
      target: '≤ 1 ms',
      actual: `${(failFast.p99Micros / 1000).toFixed(3)} ms`,
      met: failFast.p99Micros <= 1000,
    },
    {
      name: `RSS through a ${memory.seconds} s outage`,
      target: `flat (≤ ${FLAT_RSS_MB_PER_MIN} MB/min)`,
      actual: `${memory.rssSlopeMBPerMin.toFixed(2)} MB/min`,
      met: memory.rssSlopeMBPerMin <= FLAT_RSS_MB_PER_MIN,
    },
  ];
}
