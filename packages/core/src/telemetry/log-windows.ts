/** Rate limits for logs that could repeat on every attempt during an outage. */

/** At most one error log per error type per window; the rest are counted and reported with the next one. */
export const ERROR_LOG_WINDOW_MS = 10_000;

/** At most one log per key per window; what falls inside a window is added up and reported with the next log. */
export class LogWindows {
  private readonly windows = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(private readonly now: () => number) {}

  /** undefined: suppressed (and added up); otherwise log now, reporting this many suppressed since the last log. */
  admit(key: string, amount = 1): number | undefined {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now - window.loggedAt < ERROR_LOG_WINDOW_MS) {
      window.suppressed += amount;
      return undefined;
    }
    this.windows.set(key, { loggedAt: now, suppressed: 0 });
    return window?.suppressed ?? 0;
  }

  drain(): number {
    let total = 0;
    for (const w of this.windows.values()) {
      total += w.suppressed;
      w.suppressed = 0;
    }
    return total;
  }
}
