/** Per-phase figures for one service: success rate, latency percentiles, and requests left hanging. */
import type { ArmLoad, Phase } from './arm-load.js';
import { OPS, type Op } from './workload.js';

export interface PhaseStats {
  sent: number;
  ok: number;
  /** Answered, but not with success (an error status, a lost session). */
  failed: number;
  /** No answer within the client timeout: the request hung. */
  timedOut: number;
  /** Sent in this phase and still unanswered when it ended. */
  pendingAtEnd: number;
  /** ok / sent, in percent. */
  successRate: number;
  /** Over every request of the phase; a request that timed out counts at the client timeout. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Success rate per kind of request, in percent (undefined when none was sent). */
  successByOp: Partial<Record<Op, number>>;
}

export function phaseStats(load: ArmLoad, phase: Phase): PhaseStats {
  const samples = load.samples.filter((s) => s.phase === phase);
  const latencies = samples.map((s) => s.result?.ms ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const ok = samples.filter((s) => s.ok).length;
  const timedOut = samples.filter((s) => s.result?.timedOut).length;
  const successByOp: Partial<Record<Op, number>> = {};
  for (const op of OPS) {
    const ofOp = samples.filter((s) => s.op === op);
    if (ofOp.length > 0) successByOp[op] = percent(ofOp.filter((s) => s.ok).length, ofOp.length);
  }
  return {
    sent: samples.length,
    ok,
    failed: samples.length - ok - timedOut,
    timedOut,
    pendingAtEnd: load.pendingAtPhaseEnd[phase] ?? 0,
    successRate: percent(ok, samples.length),
    p50Ms: round(quantile(latencies, 0.5)),
    p99Ms: round(quantile(latencies, 0.99)),
    maxMs: round(latencies.at(-1) ?? 0),
    successByOp,
  };
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

const percent = (n: number, of: number): number => (of === 0 ? 100 : Math.floor((n / of) * 100_000) / 1000);
const round = (ms: number): number => Math.round(ms * 10) / 10;
