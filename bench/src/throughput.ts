/**
 * Throughput and CPU per operation of every in-process arm, as ratios to raw ioredis. Rounds are interleaved (each
 * round runs every arm once, in a rotated order) and each ratio is taken against raw ioredis *in the same round*, so
 * slow drift of the machine (other processes, CPU frequency) cancels out; the median over rounds is reported.
 */
import { type Arm, type ArmId, inArmContext } from './arms.js';
import { median } from './stats.js';
import type { BenchTracing } from './tracing.js';
import { populate, type RoundResult, runRound } from './workload.js';

export interface ArmThroughput {
  id: ArmId;
  label: string;
  opsPerSecond: number;
  cpuMicrosPerOp: number;
  /**
   * Median of the per-round ratios to raw ioredis (throughput: higher is better; CPU: lower is better). For the
   * own-process arm, to its own raw baseline: the same process with the instrumentation disabled, in the same round.
   */
  throughputRatio: number;
  cpuRatio: number;
  /** The throughput ratio of every counted round, in round order (so two arms can be compared round by round). */
  roundRatios: number[];
  /** Own-process arm only: median ops/s of its raw baseline (instrumentation disabled). */
  baselineOpsPerSecond?: number;
  /** Spans exported per operation: 1 or more for a traced arm, 0 otherwise. */
  spansPerOp: number;
  /** false when a traced arm produced no spans (its numbers would measure nothing) or more than it may, or an
   * untraced one (e.g. the unsampled arm) exported any. */
  valid: boolean;
}

export interface ThroughputOptions {
  rounds: number;
  roundMs: number;
  concurrency: number;
  onRound?: (round: number, arm: Arm, result: RoundResult) => void;
}

export async function measureThroughput(
  arms: readonly Arm[],
  tracing: BenchTracing,
  o: ThroughputOptions,
): Promise<ArmThroughput[]> {
  const results = new Map<ArmId, RoundResult[]>(arms.map((a) => [a.id, []]));
  const spans = new Map<ArmId, { spans: number; ops: number }>(arms.map((a) => [a.id, { spans: 0, ops: 0 }]));
  // Every arm GETs the same keys from the same server: SET them once, before the warm-up.
  await populate((arms.find((a) => a.id === 'raw') ?? (arms[0] as Arm)).client);
  // Round 0 warms up the JIT and the connections and is not counted.
  for (let round = 0; round <= o.rounds; round++) {
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[(i + round) % arms.length] as Arm;
      await tracing.flush();
      const before = tracing.exporter.spans;
      arm.enter();
      const ms = round === 0 ? Math.min(o.roundMs, 500) : o.roundMs;
      const result = await inArmContext(arm, () => runRound(arm.client, o.concurrency, ms));
      arm.leave();
      await tracing.flush();
      if (round === 0) continue;
      results.get(arm.id)?.push(result);
      const s = spans.get(arm.id) as { spans: number; ops: number };
      s.spans += tracing.exporter.spans - before;
      s.ops += result.ops;
      o.onRound?.(round, arm, result);
    }
  }
  const raw = results.get('raw') as RoundResult[];
  return arms.map((arm) => {
    const rs = results.get(arm.id) as RoundResult[];
    const s = spans.get(arm.id) as { spans: number; ops: number };
    const spansPerOp = s.ops === 0 ? 0 : s.spans / s.ops;
    const roundRatios = rs.map((r, i) => r.opsPerSecond / (raw[i] as RoundResult).opsPerSecond);
    return {
      id: arm.id,
      label: arm.label,
      opsPerSecond: median(rs.map((r) => r.opsPerSecond)),
      cpuMicrosPerOp: median(rs.map((r) => r.cpuMicrosPerOp)),
      throughputRatio: median(roundRatios),
      cpuRatio: median(rs.map((r, i) => r.cpuMicrosPerOp / (raw[i] as RoundResult).cpuMicrosPerOp)),
      roundRatios,
      spansPerOp,
      valid: arm.traced ? spansPerOp >= 0.99 && spansPerOp <= (arm.maxSpansPerOp ?? Infinity) : spansPerOp === 0,
    };
  });
}
