/**
 * One physical attempt on a ready connection: hand the command to ioredis, bound the wait for its reply, and keep
 * the connection's in-flight count. Every attempt of every call runs through `sendAttempt`, the first included.
 *
 * Reply timeouts that share the standard length go into one ordered queue with a single timer (timeout-queue.ts);
 * the odd one (a blocking command, or a timeout cut short by the call's deadline) gets its own timer. A command that
 * may block forever gets none. `closeAll` settles everything in flight at once, for `close()`.
 */
import type { Clock } from '../clock.js';
import { ClientClosedError, CommandTimeoutError } from '../errors/errors.js';
import { type CallTracker, noopTracker } from '../instrumentation.js';
import type { Connection, RedisClient } from './connection.js';
import { TimeoutQueue } from './timeout-queue.js';
import type { WriteCoalescing } from './write-coalescing.js';

export interface CallSpec<T> {
  /** Lower-case command name, or `pipeline` / `multi`. */
  operation: string;
  args: readonly unknown[];
  /** Whether sending the call twice is harmless; asked only after a failure. */
  isRetrySafe(): boolean;
  /**
   * One attempt only, whatever the error: the call belongs to a WATCH/MULTI on one connection, and another attempt
   * could land on a new connection, outside the transaction.
   */
  once?: boolean;
  /** For blocking commands: how long the server may block (ms); 0 = forever, so no reply timeout applies. */
  blockMs?: number | undefined;
  /** Hands the command to ioredis on a ready connection. */
  send(redis: RedisClient): Promise<T>;
}

/** Exactly one call per attempt: `ok` true with the reply, or false with the error. */
export type AttemptDone = (ok: boolean, result: unknown) => void;

const noop = () => {};

export class Attempts {
  private readonly queue: TimeoutQueue;
  /** Attempts not in the queue (own timer or none), so that close() can settle them too. */
  private readonly others = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    /** The standard reply timeout (`timeouts.commandMs`). */
    readonly commandMs: number,
    /** A sent command got no reply in time: the connection may be silent. */
    private readonly onTimeout: (conn: Connection) => void,
    /** Holds a busy connection's writes to the end of the tick (`pool.coalesceWritesAt`); none when off. */
    private readonly coalescing?: WriteCoalescing,
  ) {
    this.queue = new TimeoutQueue(clock);
  }

  /** The reply timeout of an attempt starting at `now`: standard (plus block time), cut at the deadline; 0 = none. */
  timeoutFor(spec: CallSpec<unknown>, now: number, deadline: number): number {
    if (spec.blockMs === 0) return 0;
    return Math.max(1, Math.min(this.commandMs + (spec.blockMs ?? 0), deadline - now));
  }

  /** Send `spec` on `conn` now; `done` is called once, when the reply, the timeout or close() comes first. */
  send<T>(
    conn: Connection,
    spec: CallSpec<T>,
    now: number,
    timeoutMs: number,
    done: AttemptDone,
    tracker: Pick<CallTracker, 'sendAttempt'> = noopTracker,
  ): void {
    this.coalescing?.beforeWrite(conn.socket, conn.inflight);
    conn.inflight++;
    // Only the synchronous hand-over runs in the tracker's context: the reply is handled in the caller's.
    const reply = tracker.sendAttempt(spec, conn.client);
    let settled = false;
    const settle = (ok: boolean, result: unknown) => {
      if (settled) return;
      settled = true;
      conn.inflight--;
      done(ok, result);
    };
    const expire = () => {
      if (settled) return;
      // The reply may still arrive later; it is dropped, and its rejection must not go unhandled.
      reply.catch(noop);
      if (this.closed) return settle(false, new ClientClosedError(spec.operation));
      this.onTimeout(conn);
      settle(false, new CommandTimeoutError(spec.operation, Math.round(timeoutMs)));
    };
    const at = now + timeoutMs;
    if (timeoutMs === this.commandMs && at >= this.queue.lastAt) {
      const entry = this.queue.add(at, expire);
      reply.then(
        (value) => {
          this.queue.cancel(entry);
          settle(true, value);
        },
        (err: unknown) => {
          this.queue.cancel(entry);
          settle(false, err);
        },
      );
      return;
    }
    const timer = timeoutMs > 0 ? this.clock.setTimeout(expire, timeoutMs) : undefined;
    this.others.add(expire);
    const finish = (ok: boolean, result: unknown) => {
      this.others.delete(expire);
      this.clock.clearTimeout(timer);
      settle(ok, result);
    };
    reply.then(
      (value) => finish(true, value),
      (err: unknown) => finish(false, err),
    );
  }

  /** Settle every attempt in flight with ClientClosedError, now; later replies are dropped. */
  closeAll(): void {
    this.closed = true;
    this.queue.drain();
    for (const expire of [...this.others]) expire();
    this.others.clear();
  }
}
