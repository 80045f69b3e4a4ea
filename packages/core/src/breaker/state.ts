/** The breaker's states and the transitions it reports: owned here, read by health, telemetry and users. */

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/**
 * Why a transition happened: `failures` (the error rate tripped it), `timer` or `reconnect` (what started a
 * probe), `probe_passed` / `probe_failed` (how the probe ended).
 */
export const TRANSITION_CAUSES = ['failures', 'timer', 'reconnect', 'probe_passed', 'probe_failed'] as const;
export type TransitionCause = (typeof TRANSITION_CAUSES)[number];

export interface BreakerTransition {
  /** `default`, or a cluster master's `host:port`. */
  node: string;
  from: BreakerStateName;
  to: BreakerStateName;
  cause: TransitionCause;
  /** On a transition to closed: how long calls were refused (ms), from opening to closing. */
  openMs?: number;
}

/** What started a half-open probe: the reset timer, or the connection becoming ready again. */
export type ProbeTrigger = 'timer' | 'reconnect';

export interface ProbeResult {
  node: string;
  trigger: ProbeTrigger;
  ok: boolean;
}
