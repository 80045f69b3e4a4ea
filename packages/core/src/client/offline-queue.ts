/**
 * The bounded offline queue: callers that find no ready connection wait here, never inside ioredis, so a command
 * that gives up waiting is provably never sent. At most `maxOffline` wait, each for a bounded time.
 */
import type { Clock } from '../clock.js';

export interface Waiter<C> {
  readonly operation: string;
  /** Only this connection will do (a lease); undefined: any shared one. */
  readonly target: C | undefined;
}

interface Entry<C> extends Waiter<C> {
  resolve(): void;
  reject(err: unknown): void;
  timer: unknown;
}

export class OfflineQueue<C> {
  private waiters: Entry<C>[] = [];

  constructor(
    private readonly clock: Clock,
    readonly max: number,
    /** The queue length changed (for the `offline_queue_length` gauge). */
    private readonly onLength: (length: number) => void,
  ) {}

  get length(): number {
    return this.waiters.length;
  }

  get full(): boolean {
    return this.waiters.length >= this.max;
  }

  /** Wait until `wake` lets this waiter go, or reject with `onTimeout()` after `waitMs`. */
  wait(operation: string, target: C | undefined, waitMs: number, onTimeout: () => unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: Entry<C> = { operation, target, resolve, reject, timer: undefined };
      entry.timer = this.clock.setTimeout(
        () => {
          this.remove(entry);
          reject(onTimeout());
        },
        Math.max(0, waitMs),
      );
      this.waiters.push(entry);
      this.onLength(this.waiters.length);
    });
  }

  /** Let go the waiters `fits` accepts; they retry picking a connection at once. */
  wake(fits: (w: Waiter<C>) => boolean): void {
    this.settle(fits, (w) => w.resolve());
  }

  /** Reject the waiters `which` selects with the error `why` builds for each. */
  fail(which: (w: Waiter<C>) => boolean, why: (w: Waiter<C>) => unknown): void {
    this.settle(which, (w) => w.reject(why(w)));
  }

  private settle(which: (w: Waiter<C>) => boolean, how: (w: Entry<C>) => void): void {
    if (this.waiters.length === 0) return;
    const keep: Entry<C>[] = [];
    const go: Entry<C>[] = [];
    for (const w of this.waiters) (which(w) ? go : keep).push(w);
    if (go.length === 0) return;
    this.waiters = keep;
    this.onLength(keep.length);
    for (const w of go) {
      this.clock.clearTimeout(w.timer);
      how(w);
    }
  }

  private remove(entry: Entry<C>): void {
    const i = this.waiters.indexOf(entry);
    if (i !== -1) this.waiters.splice(i, 1);
    this.onLength(this.waiters.length);
  }
}
