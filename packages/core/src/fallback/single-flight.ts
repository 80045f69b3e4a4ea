/**
 * Per-key in-flight promise sharing: while a call for a key is running, later callers for the same key get its
 * promise instead of starting their own. A thousand concurrent misses then cost one GET and one loader call.
 */
export class SingleFlight<V> {
  private readonly inflight = new Map<string, Promise<V>>();

  /** Run `fn` for `key`, or join the run already in flight for it. */
  run(key: string, fn: () => Promise<V>): Promise<V> {
    const running = this.inflight.get(key);
    if (running) return running;
    // `then(fn)` rather than `fn()`: a synchronous throw becomes a rejection, and `p` is assigned before `finally` runs.
    const p: Promise<V> = Promise.resolve()
      .then(fn)
      .finally(() => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
      });
    this.inflight.set(key, p);
    return p;
  }

  /** Keys with a call in flight. */
  get size(): number {
    return this.inflight.size;
  }
}
