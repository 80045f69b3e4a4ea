/** The drill's result, as printed by `--json` and rendered as text by report.ts. */
import type { Phase } from './arm-load.js';
import type { TimelineEntry } from './monitor.js';
import type { OrderAudit } from './orders-audit.js';
import type { Arm } from './services.js';
import type { PhaseStats } from './stats.js';

export interface ArmReport {
  label: string;
  /** The service's Redis client settings. */
  settings: string;
  phases: Record<Phase, PhaseStats>;
  /** Requests answered by a fallback (the database, the in-memory sessions, the spool), per phase. */
  fallbacksServed: Record<Phase, number>;
  /** Readiness probes sent and unanswered (within 1 s), per phase. */
  healthProbes: Record<Phase, { sent: number; unanswered: number }>;
  orders: OrderAudit;
}

export interface DemoReport {
  settings: {
    ratePerSecond: number;
    phasesSeconds: Record<Phase, number>;
    clientTimeoutMs: number;
  };
  /** Seconds since the load started. */
  events: { redisKilledAt: number; redisRestartedAt: number; loadStoppedAt: number };
  arms: Record<Arm, ArmReport>;
  /** redis-resilience's breaker states as its /healthz reported them (seconds since the load started). */
  breakerTimeline: Array<{ t: number; state: string }>;
  healthTimeline: TimelineEntry[];
  acceptance: Acceptance;
  durationSeconds: number;
}

export interface Acceptance {
  /** redis-resilience during the outage. */
  outageSuccessRate: number;
  outageP99Ms: number;
  /** Seconds from the restart (Redis answering PING) to /healthz reporting the breaker closed; Infinity if never. */
  breakerClosedAfterRestartS: number;
  /** ≥ 99.9 % served with p99 under 50 ms, and the breaker closed within 1.5 s of the restart. */
  passed: boolean;
  /** ioredis defaults left requests hanging during the outage. */
  naiveHung: boolean;
}

/** `recoveryS` allows for the /healthz poll (every 200 ms) on top of the breaker's own ≤ 1 s. */
export const GOAL = { successRate: 99.9, p99Ms: 50, recoveryS: 1.5 } as const;

export function acceptance(
  arms: Record<Arm, ArmReport>,
  breakerTimeline: ReadonlyArray<{ t: number; state: string }>,
  redisRestartedAt: number,
): Acceptance {
  const r = arms.resilient.phases.outage;
  const n = arms.naive.phases.outage;
  const closed = breakerTimeline.find((b) => b.state === 'closed' && b.t >= redisRestartedAt);
  const recovery = closed ? Math.max(0, closed.t - redisRestartedAt) : Number.POSITIVE_INFINITY;
  return {
    outageSuccessRate: r.successRate,
    outageP99Ms: r.p99Ms,
    breakerClosedAfterRestartS: Math.round(recovery * 100) / 100,
    passed: r.successRate >= GOAL.successRate && r.p99Ms < GOAL.p99Ms && recovery <= GOAL.recoveryS,
    naiveHung: n.timedOut + n.pendingAtEnd > 0,
  };
}
