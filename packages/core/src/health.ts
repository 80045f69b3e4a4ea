/** `rr.health()`: a readiness answer. Degraded-but-serving (fallbacks in use) is never reported as down. */
import type { BreakerStateName, ReplayFailureReason, SpoolDamageReason } from './telemetry/catalog.js';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  /**
   * ok: connected and the breaker closed. degraded: Redis impaired (calls fail fast or fall back), or the queue's
   * replay failing. down: closed.
   */
  status: HealthStatus;
  breaker: { state: BreakerStateName; nodes: Record<string, BreakerStateName> };
  connection: { status: string; lastErrorType: string | undefined };
  offlineQueue: { length: number; max: number };
  /** The durable queue spool, once `rr.queue` has been used. */
  queue?: QueueHealth;
}

/** `health().queue`: the spool's depth, damaged files moved aside, and replay failures. */
export interface QueueHealth {
  /** Messages waiting in the spool. */
  spooled: number;
  /** Damaged spool files this instance moved aside (see docs/fallbacks.md); the log names each file. */
  quarantined: number;
  lastQuarantine?: {
    reason: SpoolDamageReason;
    /** Messages copied into the fresh spool, and messages known to be lost with the damaged file. */
    salvaged: number;
    unreadable: number;
    at: string;
  };
  replay: {
    /** Replay passes that met a spool error (damage included, even when the spool was then recovered). */
    failures: number;
    /** true while the last replay pass ended in an error: spooled messages are not moving. */
    failing: boolean;
    lastFailure?: { reason: ReplayFailureReason; at: string };
  };
}

export interface HealthInputs {
  closed: boolean;
  connectionStatus: string;
  lastErrorType: string | undefined;
  breakers: ReadonlyArray<{ node: string; state: BreakerStateName }>;
  offlineLength: number;
  maxOffline: number;
  queue?: QueueHealth;
}

export function healthReport(i: HealthInputs): HealthReport {
  const nodes: Record<string, BreakerStateName> = {};
  let worst: BreakerStateName = 'closed';
  for (const b of i.breakers) {
    nodes[b.node] = b.state;
    if (b.state === 'open' || (b.state === 'half_open' && worst === 'closed')) worst = b.state;
  }
  const down = i.closed || i.connectionStatus === 'end';
  // A replay that keeps failing strands spooled messages: serving, but not healthy.
  const ok = !down && i.connectionStatus === 'ready' && worst === 'closed' && !i.queue?.replay.failing;
  return {
    status: down ? 'down' : ok ? 'ok' : 'degraded',
    breaker: { state: worst, nodes },
    connection: { status: i.connectionStatus, lastErrorType: i.lastErrorType },
    offlineQueue: { length: i.offlineLength, max: i.maxOffline },
    ...(i.queue && { queue: i.queue }),
  };
}
