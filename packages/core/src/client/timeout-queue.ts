/**
 * Reply timeouts for the common case without a timer per command: commands that share one timeout are kept in a
 * FIFO (their deadlines are non-decreasing) and a single timer fires for the head. Replies on one connection arrive
 * in order, so completed entries are popped from the head and the list stays short.
 */
import type { Clock } from '../clock.js';

/**
 * A class, not an object literal: V8 may pretenure a literal's allocation site after a burst of concurrent calls, and
 * an entry made in the old generation would keep its young closure alive past each scavenge (see commands.ts).
 */
export class TimeoutEntry {
  next: TimeoutEntry | undefined = undefined;
  constructor(
    readonly at: number,
    public onTimeout: (() => void) | undefined,
  ) {}
}

export class TimeoutQueue {
  private head: TimeoutEntry | undefined;
  private tail: TimeoutEntry | undefined;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** Call `onTimeout` at `at` unless cancelled. `at` must not be earlier than the last entry's. */
  add(at: number, onTimeout: () => void): TimeoutEntry {
    const entry = new TimeoutEntry(at, onTimeout);
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    if (this.timerAt === Number.POSITIVE_INFINITY) this.arm(at);
    return entry;
  }

  /** The earliest deadline a new entry may have and still keep the queue ordered. */
  get lastAt(): number {
    return this.tail?.at ?? Number.NEGATIVE_INFINITY;
  }

  cancel(entry: TimeoutEntry): void {
    entry.onTimeout = undefined;
    while (this.head && this.head.onTimeout === undefined) this.shift();
  }

  /** Fire every pending entry now, in order, and stop the timer (the owner is closing). */
  drain(): void {
    this.clock.clearTimeout(this.timer);
    this.timerAt = Number.POSITIVE_INFINITY;
    while (this.head) {
      const fn = this.head.onTimeout;
      this.head.onTimeout = undefined;
      this.shift();
      fn?.();
    }
  }

  private shift(): void {
    const h = this.head;
    if (!h) return;
    this.head = h.next;
    h.next = undefined;
    if (!this.head) this.tail = undefined;
  }

  private arm(at: number): void {
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, at - this.clock.now()));
    (this.timer as { unref?: () => void }).unref?.();
  }

  private fire(): void {
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    while (this.head && (this.head.onTimeout === undefined || this.head.at <= now)) {
      const entry = this.head;
      const fn = entry.onTimeout;
      entry.onTimeout = undefined;
      this.shift();
      fn?.();
    }
    if (this.head) this.arm(this.head.at);
  }
}
