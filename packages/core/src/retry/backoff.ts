/** Exponential backoff with jitter. */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: Jitter;
}

/**
 * Delay before retry number `retry` (one-based: the first retry uses an exponent of zero).
 * `random` is injectable so tests are deterministic.
 */
export function backoffDelay(retry: number, o: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, retry - 1));
  switch (o.jitter) {
    case 'none':
      return exp;
    case 'equal':
      return exp / 2 + random() * (exp / 2);
    default:
      // Full jitter spreads synchronized clients best (AWS architecture blog, "Exponential Backoff And Jitter").
      return random() * exp;
  }
}
