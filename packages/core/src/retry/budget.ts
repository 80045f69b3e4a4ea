/**
 * A retry budget: retries may be at most `ratio` of calls over a sliding window, plus a floor of `minPerSecond`
 * so that low traffic can still retry. It keeps a struggling Redis from being stormed by retries.
 */
import type { Clock } from '../clock.js';

export interface RetryBudgetConfig {
  ratio: number;
  minPerSecond: number;
  windowMs: number;
}

const BUCKETS = 10;

export class RetryBudget {
  private readonly calls = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private readonly bucketMs: number;
  private bucketStart = 0;
  private index = 0;

  constructor(
    private readonly config: RetryBudgetConfig,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.bucketMs = config.windowMs / BUCKETS;
    this.bucketStart = clock.now();
  }

  /** Count one logical call; `now` may be passed when the caller already read the clock. */
  recordCall(now: number = this.clock.now()): void {
    this.rotate(now);
    this.calls[this.index]! += 1;
  }

  /** Take a retry from the budget; false when it is spent. */
  tryAcquire(): boolean {
    this.rotate();
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      calls += this.calls[i]!;
      retries += this.retries[i]!;
    }
    const allowed = this.config.minPerSecond * (this.config.windowMs / 1000) + this.config.ratio * calls;
    if (retries + 1 > allowed) return false;
    this.retries[this.index]! += 1;
    return true;
  }

  private rotate(now: number = this.clock.now()): void {
    let elapsed = now - this.bucketStart;
    if (elapsed < this.bucketMs) return;
    const steps = Math.min(BUCKETS, Math.floor(elapsed / this.bucketMs));
    for (let s = 0; s < steps; s++) {
      this.index = (this.index + 1) % BUCKETS;
      this.calls[this.index] = 0;
      this.retries[this.index] = 0;
    }
    elapsed -= Math.floor(elapsed / this.bucketMs) * this.bucketMs;
    this.bucketStart = now - elapsed;
  }
}
