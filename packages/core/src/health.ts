/** `rr.health()`: a readiness answer. Degraded-but-serving (fallbacks in use) is never reported as down. */
import type { BreakerStateName } from './breaker/state.js';
import type { ErrorType } from './errors/types.js';
import type { ReplayFailureReason, SpoolDamageReason } from './instrumentation.js';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  /**
   * ok: connected and the breaker closed. degraded: Redis impaired (calls fail fast or fall back), or the queue's
   * replay failing. down: closed.
   */
  status: HealthStatus;
  breaker: { state: BreakerStateName; nodes: Record<string, BreakerStateName> };
  connection: {
    status: string;
    lastErrorType: string | undefined;
    /** While not ready: what the last connection error means, in words an operator can act on. */
    problem?: string;
  };
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
  lastErrorType: ErrorType | undefined;
  breakers: ReadonlyArray<{ node: string; state: BreakerStateName }>;
  offlineLength: number;
  maxOffline: number;
  queue?: QueueHealth;
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
  // A replay that keeps failing strands spooled messages: serving, but not healthy.
  const ok = !down && i.connectionStatus === 'ready' && worst === 'closed' && !i.queue?.replay.failing;
  const problem =
    i.connectionStatus === 'end' ? 'the Redis client has ended (closed by the app, or ioredis gave up)' : undefined;
  const why = i.connectionStatus !== 'ready' ? (problem ?? (i.lastErrorType && PROBLEMS[i.lastErrorType])) : undefined;
  return {
    status: down ? 'down' : ok ? 'ok' : 'degraded',
    breaker: { state: worst, nodes },
    connection: { status: i.connectionStatus, lastErrorType: i.lastErrorType, ...(why && { problem: why }) },
    offlineQueue: { length: i.offlineLength, max: i.maxOffline },
    ...(i.queue && { queue: i.queue }),
  };
}
