/** `rr.health()`: a readiness answer. Degraded-but-serving (fallbacks in use) is never reported as down. */
import type { BreakerStateName } from './telemetry/catalog.js';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  /** ok: connected and the breaker closed. degraded: Redis impaired, calls fail fast or fall back. down: closed. */
  status: HealthStatus;
  breaker: { state: BreakerStateName; nodes: Record<string, BreakerStateName> };
  connection: { status: string; lastErrorType: string | undefined };
  offlineQueue: { length: number; max: number };
}

export interface HealthInputs {
  closed: boolean;
  connectionStatus: string;
  lastErrorType: string | undefined;
  breakers: ReadonlyArray<{ node: string; state: BreakerStateName }>;
  offlineLength: number;
  maxOffline: number;
}

export function healthReport(i: HealthInputs): HealthReport {
  const nodes: Record<string, BreakerStateName> = {};
  let worst: BreakerStateName = 'closed';
  for (const b of i.breakers) {
    nodes[b.node] = b.state;
    if (b.state === 'open' || (b.state === 'half_open' && worst === 'closed')) worst = b.state;
  }
  const down = i.closed || i.connectionStatus === 'end';
  const ok = !down && i.connectionStatus === 'ready' && worst === 'closed';
  return {
    status: down ? 'down' : ok ? 'ok' : 'degraded',
    breaker: { state: worst, nodes },
    connection: { status: i.connectionStatus, lastErrorType: i.lastErrorType },
    offlineQueue: { length: i.offlineLength, max: i.maxOffline },
  };
}
