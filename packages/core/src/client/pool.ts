/**
 * The connection pool: commands are spread round-robin over ready connections, callers that find none wait in
 * the bounded offline queue (never inside ioredis, so a command that gives up waiting is provably never sent),
 * and `withConnection` leases a connection exclusively for blocking commands, WATCH/MULTI or pub/sub.
 */
import type { Clock } from '../clock.js';
import type { ErrorType } from '../errors/classify.js';
import { OfflineQueueFullError, PoolTimeoutError, RedisUnavailableError } from '../errors/errors.js';
import type { Instrumentation } from '../instrumentation.js';
import { Connection, type ConnectionConfig, type RedisClient } from './connection.js';

export interface PoolStats {
  max: number;
  used: number;
  idle: number;
  /** Requests waiting for a connection: offline waiters and lease waiters. */
  pending: number;
}

/** Where an attempt gets its connection: the shared pool, or one leased connection. */
export interface ConnectionSource {
  /** A ready connection to send on now, or undefined. */
  pick(): Connection | undefined;
  /** Wait, bounded, until `pick()` may succeed. Rejects with an unavailable error (sent: false) on timeout. */
  waitReady(operation: string, waitMs: number): Promise<void>;
  /** A sent command timed out on `conn`. */
  suspectStale(conn: Connection): void;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  operation: string;
  timer: unknown;
  /** Only this connection will do (a lease); undefined: any shared one. */
  target: Connection | undefined;
}

interface LeaseWaiter {
  resolve(c: Connection): void;
  reject(err: unknown): void;
  timer: unknown;
}

export class ConnectionPool implements ConnectionSource {
  readonly connections: Connection[];
  private next = 0;
  private waiters: Waiter[] = [];
  private leaseWaiters: LeaseWaiter[] = [];
  private closed = false;

  constructor(
    clients: ReadonlyArray<{ client: RedisClient; owned: boolean }>,
    private readonly config: ConnectionConfig,
    private readonly instr: Instrumentation,
    private readonly clock: Clock,
    readonly name: string,
  ) {
    const events = {
      ready: (c: Connection, connectMs: number | undefined) => this.onReady(c, connectMs),
      end: () => this.onEnd(),
      down: () => this.onDown(),
    };
    this.connections = clients.map(({ client, owned }) => new Connection(client, owned, config, instr, clock, events));
    instr.registerPool(name, () => this.stats());
  }

  /** The first connection: status, endpoint and errors are reported from it. */
  get primary(): Connection {
    return this.connections[0]!;
  }

  get offlineLength(): number {
    return this.waiters.length;
  }

  get lastConnectionErrorType(): ErrorType | undefined {
    for (const c of this.connections) if (c.lastConnectionErrorType) return c.lastConnectionErrorType;
    return undefined;
  }

  /** ready when any shared connection is; otherwise the primary's status. */
  get status(): string {
    return this.connections.some((c) => c.ready && !c.leased) ? 'ready' : this.primary.status;
  }

  pick(): Connection | undefined {
    const conns = this.connections;
    const n = conns.length;
    if (n === 1) {
      const c = conns[0]!;
      return c.ready && !c.leased ? c : undefined;
    }
    for (let i = 0; i < n; i++) {
      const c = conns[(this.next + i) % n]!;
      if (c.ready && !c.leased) {
        this.next = (this.next + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  waitReady(operation: string, waitMs: number, target?: Connection): Promise<void> {
    if (this.closed) return Promise.reject(this.notSent(operation, 0, 'closed'));
    if (this.waiters.length >= this.config.maxOffline) {
      return Promise.reject(
        new OfflineQueueFullError(operation, this.config.maxOffline, this.primary.lastConnectionError),
      );
    }
    for (const c of this.connections) c.connect();
    // Nothing will be ready within a wait: fail now (not sent); the retry policy's backoff gives the reconnect its time.
    if (target === undefined && this.allKnownDown()) return Promise.reject(this.notSent(operation, 0));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, operation, timer: undefined, target };
      waiter.timer = this.clock.setTimeout(
        () => {
          this.removeWaiter(waiter);
          reject(this.notSent(operation, waitMs));
        },
        Math.max(0, waitMs),
      );
      this.waiters.push(waiter);
      this.instr.offlineQueueLength(this.waiters.length);
    });
  }

  suspectStale(conn: Connection): void {
    conn.suspectStale();
  }

  /**
   * Take a connection exclusively. The first connection always stays shared, so a pool of N offers N-1 leases;
   * a pool of one lends a dedicated connection made for the lease (`dedicated()`).
   */
  acquire(timeoutMs: number): Promise<Connection> {
    if (this.closed) return Promise.reject(new PoolTimeoutError(this.name, 0, 'the client is closed'));
    const free = this.leasable();
    if (free) {
      free.leased = true;
      return Promise.resolve(free);
    }
    return new Promise<Connection>((resolve, reject) => {
      const w: LeaseWaiter = { resolve, reject, timer: undefined };
      w.timer = this.clock.setTimeout(() => {
        this.leaseWaiters = this.leaseWaiters.filter((x) => x !== w);
        this.instr.poolTimeout(this.name);
        reject(new PoolTimeoutError(this.name, timeoutMs));
      }, timeoutMs);
      this.leaseWaiters.push(w);
    });
  }

  release(conn: Connection): void {
    const w = this.leaseWaiters.shift();
    if (w) {
      this.clock.clearTimeout(w.timer);
      w.resolve(conn);
      return;
    }
    conn.leased = false;
    if (conn.ready) this.releaseWaiters(conn);
  }

  /** Pool of one: leases get their own connection so the shared one never blocks. */
  get lendsDedicated(): boolean {
    return this.connections.length === 1;
  }

  stats(): PoolStats {
    let used = 0;
    for (const c of this.connections) if (c.leased || c.inflight > 0) used++;
    const max = this.connections.length;
    return { max, used, idle: max - used, pending: this.waiters.length + this.leaseWaiters.length };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.reject(this.notSent(w.operation, 0, 'closed'));
    }
    for (const w of this.leaseWaiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.reject(new PoolTimeoutError(this.name, 0, 'the client is closed'));
    }
    this.instr.offlineQueueLength(0);
    await Promise.all(this.connections.map((c) => c.close()));
  }

  private leasable(): Connection | undefined {
    for (let i = 1; i < this.connections.length; i++) {
      const c = this.connections[i]!;
      if (!c.leased && c.inflight === 0) return c;
    }
    for (let i = 1; i < this.connections.length; i++) {
      const c = this.connections[i]!;
      if (!c.leased) return c;
    }
    return undefined;
  }

  private onReady(conn: Connection, connectMs: number | undefined): void {
    if (connectMs !== undefined) this.instr.poolConnectionCreated(this.name, connectMs / 1000);
    this.releaseWaiters(conn);
  }

  private allKnownDown(): boolean {
    return this.connections.every((c) => c.knownDown);
  }

  /** The last connection attempt failed for sure: commands waiting for a shared connection fail now, not sent. */
  private onDown(): void {
    // ioredis reports the error before it moves to `reconnecting`; decide once the status has settled.
    queueMicrotask(() => {
      if (this.closed || !this.allKnownDown() || this.waiters.length === 0) return;
      const keep: Waiter[] = [];
      for (const w of this.waiters) {
        if (w.target !== undefined) {
          keep.push(w);
          continue;
        }
        this.clock.clearTimeout(w.timer);
        w.reject(this.notSent(w.operation, 0));
      }
      this.waiters = keep;
      this.instr.offlineQueueLength(keep.length);
    });
  }

  /** Every connection ended for good (ioredis gave up): nobody waiting will ever be served. */
  private onEnd(): void {
    if (!this.connections.every((c) => c.status === 'end')) return;
    for (const w of this.waiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.reject(this.notSent(w.operation, 0, 'closed'));
    }
    this.instr.offlineQueueLength(0);
  }

  /** `conn` became usable: wake the waiters it can serve (a leased one serves only its own lease's waiters). */
  private releaseWaiters(conn: Connection): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      const fits = w.target === undefined ? !conn.leased : w.target === conn;
      if (!fits) {
        keep.push(w);
        continue;
      }
      this.clock.clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters = keep;
    this.instr.offlineQueueLength(keep.length);
  }

  private removeWaiter(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i !== -1) this.waiters.splice(i, 1);
    this.instr.offlineQueueLength(this.waiters.length);
  }

  private notSent(operation: string, waitMs: number, forced?: ErrorType): RedisUnavailableError {
    const type: ErrorType = forced ?? this.lastConnectionErrorType ?? 'timeout';
    const why =
      forced === 'closed'
        ? 'the client is closing'
        : waitMs === 0
          ? 'Redis is not reachable'
          : `no connection within ${waitMs} ms`;
    return new RedisUnavailableError(`${operation.toUpperCase()} not sent: ${why} (${type})`, {
      operation,
      errorType: type,
      attempts: 1,
      sent: false,
      cause: this.primary.lastConnectionError,
    });
  }
}

/** A leased connection as a source: attempts go to it alone. */
export class PinnedSource implements ConnectionSource {
  constructor(
    private readonly pool: ConnectionPool,
    readonly conn: Connection,
  ) {}

  pick(): Connection | undefined {
    return this.conn.ready ? this.conn : undefined;
  }

  waitReady(operation: string, waitMs: number): Promise<void> {
    return this.pool.waitReady(operation, waitMs, this.conn);
  }

  suspectStale(conn: Connection): void {
    conn.suspectStale();
  }
}
