/**
 * When the next half-open probe may run. Two sources of evidence (as in cockatiel's `halfOpenAfter` backoff):
 * - the reset timer: `resetTimeoutMs` after opening, then exponentially longer after each failed probe, capped,
 *   with jitter so that hundreds of pods that opened together do not probe together;
 * - a reconnect: the connection is ready again, so probe at once, but never sooner than `minIntervalMs` after the
 *   last probe, so a flapping Redis cannot turn into a probe storm.
 */
export interface ProbeScheduleConfig {
  /** First timer delay after opening. */
  resetTimeoutMs: number;
  /** Cap on the timer delay after repeated failed probes. */
  maxResetTimeoutMs: number;
  /** Least time between two probes of one node, whatever triggers them. */
  minIntervalMs: number;
}

export class ProbeSchedule {
  private failedProbes = 0;
  private lastProbeAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: ProbeScheduleConfig,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay of the timer probe from now: after opening (no failed probe yet) or after a failed probe. */
  timerDelay(): number {
    const { resetTimeoutMs, maxResetTimeoutMs } = this.config;
    const exp = Math.min(maxResetTimeoutMs, resetTimeoutMs * 2 ** Math.min(this.failedProbes, 30));
    if (this.failedProbes === 0) return exp;
    // Equal jitter after a failure: never sooner than half the delay, de-synchronised across pods.
    return exp / 2 + this.random() * (exp / 2);
  }

  /** ms until a reconnect may trigger a probe (0: now). */
  reconnectDelay(now: number): number {
    return Math.max(0, this.lastProbeAt + this.config.minIntervalMs - now);
  }

  probeStarted(now: number): void {
    this.lastProbeAt = now;
  }

  probeEnded(ok: boolean): void {
    this.failedProbes = ok ? 0 : this.failedProbes + 1;
  }
}
