/** `rr.health()`: a readiness answer. Degraded-but-serving (fallbacks in use) is never reported as down. */
import type { BreakerStateName } from './breaker/state.js';
import type { ErrorType } from './errors/types.js';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  /** ok: connected and the breaker closed. degraded: Redis impaired, calls fail fast or fall back. down: closed. */
  status: HealthStatus;
  breaker: { state: BreakerStateName; nodes: Record<string, BreakerStateName> };
  connection: {
    status: string;
    lastErrorType: string | undefined;
    /** While not ready: what the last connection error means, in words an operator can act on. */
    problem?: string;
  };
  offlineQueue: { length: number; max: number };
}

export interface HealthInputs {
  closed: boolean;
  connectionStatus: string;
  lastErrorType: ErrorType | undefined;
  breakers: ReadonlyArray<{ node: string; state: BreakerStateName }>;
  offlineLength: number;
  maxOffline: number;
}

/** Fixed texts (never an error message, which may quote a key or a secret). */
const PROBLEMS: Partial<Record<ErrorType, string>> = {
  refused: 'nothing accepts connections at the configured address (Redis down, wrong port, or a missing unix socket)',
  dns: 'the host name does not resolve',
  auth: 'Redis refused the credentials (wrong password or ACL user)',
  tls: 'the TLS handshake failed (rediss:// to a plain port, or a certificate problem)',
  timeout: 'Redis does not answer in time (paused, overloaded, or the network drops packets)',
  reset: 'the connection was reset (Redis restarted, or a proxy or firewall cut it)',
  closed: 'the connection is closed',
  clusterdown: 'the cluster cannot serve (no reachable node, or the seeds are not a cluster)',
};

export function healthReport(i: HealthInputs): HealthReport {
  const nodes: Record<string, BreakerStateName> = {};
  let worst: BreakerStateName = 'closed';
  for (const b of i.breakers) {
    nodes[b.node] = b.state;
    if (b.state === 'open' || (b.state === 'half_open' && worst === 'closed')) worst = b.state;
  }
  const down = i.closed || i.connectionStatus === 'end';
  const ok = !down && i.connectionStatus === 'ready' && worst === 'closed';
  const problem =
    i.connectionStatus === 'end' ? 'the Redis client has ended (closed by the app, or ioredis gave up)' : undefined;
  const why = i.connectionStatus !== 'ready' ? (problem ?? (i.lastErrorType && PROBLEMS[i.lastErrorType])) : undefined;
  return {
    status: down ? 'down' : ok ? 'ok' : 'degraded',
    breaker: { state: worst, nodes },
    connection: { status: i.connectionStatus, lastErrorType: i.lastErrorType, ...(why && { problem: why }) },
    offlineQueue: { length: i.offlineLength, max: i.maxOffline },
  };
}
