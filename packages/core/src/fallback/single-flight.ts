/**
 * Per-key in-flight promise sharing: while a call for a key is running, later callers for the same key get its
 * promise instead of starting their own. A thousand concurrent misses then cost one GET and one loader call.
 */
interface Flight<V> {
  readonly promise: Promise<V>;
  resolve(value: V): void;
  reject(err: unknown): void;
}

function flight<V>(): Flight<V> {
  let resolve!: (value: V) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<V>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class SingleFlight<V> {
  private readonly inflight = new Map<string, Flight<V>>();

  /** Run `fn` for `key`, or join the run already in flight for it. */
  run(key: string, fn: () => Promise<V>): Promise<V> {
    const running = this.inflight.get(key);
    if (running) return running.promise;
    // The callers wait on a promise of our own, so rejectAll can release them while `fn` is still running.
    const f = flight<V>();
    this.inflight.set(key, f);
    // The entry goes before the callers hear: a caller that asks again on hearing starts a fresh run.
    const forget = () => {
      if (this.inflight.get(key) === f) this.inflight.delete(key);
    };
    // `then(fn)` rather than `fn()`: a synchronous throw becomes a rejection.
    Promise.resolve()
      .then(fn)
      .then(
        (v) => {
          forget();
          f.resolve(v);
        },
        (err: unknown) => {
          forget();
          f.reject(err);
        },
      );
    return f.promise;
  }

  /** Settle every waiting caller with `err` now and forget the runs; whatever they produce later is dropped. */
  rejectAll(err: unknown): void {
    for (const f of this.inflight.values()) f.reject(err);
    this.inflight.clear();
  }

  /** Keys with a call in flight. */
  get size(): number {
    return this.inflight.size;
  }
}
