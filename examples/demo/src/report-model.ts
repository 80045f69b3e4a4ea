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
  /** ≥ 99.9 % served with p99 under 50 ms. */
  passed: boolean;
  /** ioredis defaults left requests hanging during the outage. */
  naiveHung: boolean;
}

export const GOAL = { successRate: 99.9, p99Ms: 50 } as const;

export function acceptance(arms: Record<Arm, ArmReport>): Acceptance {
  const r = arms.resilient.phases.outage;
  const n = arms.naive.phases.outage;
  return {
    outageSuccessRate: r.successRate,
    outageP99Ms: r.p99Ms,
    passed: r.successRate >= GOAL.successRate && r.p99Ms < GOAL.p99Ms,
    naiveHung: n.timedOut + n.pendingAtEnd > 0,
  };
}
