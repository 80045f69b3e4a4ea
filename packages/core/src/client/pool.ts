/**
 * The connection pool: commands are spread round-robin over ready connections, callers that find none wait in the
 * bounded offline queue (offline-queue.ts), and `withConnection` leases a connection exclusively for blocking
 * commands, WATCH/MULTI or pub/sub.
 */
import type { Clock } from '../clock.js';
import { classifyError } from '../errors/classify.js';
import { ClientClosedError, OfflineQueueFullError, PoolTimeoutError, RedisUnavailableError } from '../errors/errors.js';
import type { ErrorType } from '../errors/types.js';
import type { Instrumentation } from '../instrumentation.js';
import { Connection, type ConnectionConfig, type RedisClient } from './connection.js';
import { OfflineQueue } from './offline-queue.js';
import type { ConnectionSource } from './source.js';

export type { ConnectionSource } from './source.js';

export interface PoolStats {
  max: number;
  used: number;
  idle: number;
  /** Requests waiting for a connection: offline waiters and lease waiters. */
  pending: number;
}

export interface PoolConfig extends ConnectionConfig {
  maxOffline: number;
}

interface LeaseWaiter {
  resolve(c: Connection): void;
  reject(err: unknown): void;
  timer: unknown;
}

export class ConnectionPool implements ConnectionSource {
  readonly connections: Connection[];
  private readonly offline: OfflineQueue<Connection>;
  private next = 0;
  private leaseWaiters: LeaseWaiter[] = [];
  private closed = false;

  constructor(
    clients: ReadonlyArray<{ client: RedisClient; owned: boolean }>,
    config: PoolConfig,
    private readonly telemetry: Instrumentation,
    private readonly clock: Clock,
    readonly name: string,
    /** A connection became ready (again): evidence for the breaker. */
    private readonly onReady: (c: Connection) => void = () => {},
  ) {
    this.offline = new OfflineQueue(clock, config.maxOffline, (length) =>
      telemetry.emit('offlineQueueLength', { length }),
    );
    const events = {
      ready: (c: Connection, connectMs: number | undefined) => this.ready(c, connectMs),
      end: () => this.ended(),
      down: () => this.down(),
    };
    this.connections = clients.map(
      ({ client, owned }) => new Connection(client, owned, config, telemetry, clock, events),
    );
    telemetry.registerPool(name, () => this.stats());
  }

  /** The first connection: status, endpoint and errors are reported from it. */
  get primary(): Connection {
    return this.connections[0]!;
  }

  get offlineLength(): number {
    return this.offline.length;
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
    if (this.closed || this.allEnded()) return Promise.reject(new ClientClosedError(operation));
    if (this.offline.full) {
      return Promise.reject(new OfflineQueueFullError(operation, this.offline.max, this.primary.lastConnectionError));
    }
    for (const c of this.connections) c.connect();
    // Nothing will be ready within a wait: fail now (not sent); the retry policy's backoff gives the reconnect its time.
    if (target === undefined && this.allKnownDown()) return Promise.reject(this.notSent(operation, 0));
    return this.offline.wait(operation, target, waitMs, () => this.notSent(operation, waitMs));
  }

  /**
   * Take a connection exclusively. The first connection always stays shared, so a pool of N offers N-1 leases;
   * a pool of one lends a dedicated connection made for the lease (see init's withConnection).
   */
  acquire(timeoutMs: number): Promise<Connection> {
    if (this.closed) return Promise.reject(new ClientClosedError('withConnection'));
    const free = this.leasable();
    if (free) {
      free.leased = true;
      return Promise.resolve(free);
    }
    return new Promise<Connection>((resolve, reject) => {
      const w: LeaseWaiter = { resolve, reject, timer: undefined };
      w.timer = this.clock.setTimeout(() => {
        this.leaseWaiters = this.leaseWaiters.filter((x) => x !== w);
        this.telemetry.emit('poolTimeout', { pool: this.name });
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
    if (conn.ready) this.wakeFor(conn);
  }

  /** Pool of one: leases get their own connection so the shared one never blocks. */
  get lendsDedicated(): boolean {
    return this.connections.length === 1;
  }

  stats(): PoolStats {
    let used = 0;
    for (const c of this.connections) if (c.leased || c.inflight > 0) used++;
    const max = this.connections.length;
    return { max, used, idle: max - used, pending: this.offline.length + this.leaseWaiters.length };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.offline.fail(
      () => true,
      (w) => new ClientClosedError(w.operation),
    );
    for (const w of this.leaseWaiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.reject(new ClientClosedError('withConnection'));
    }
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

  private ready(conn: Connection, connectMs: number | undefined): void {
    if (connectMs !== undefined) {
      this.telemetry.emit('poolConnectionCreated', { pool: this.name, seconds: connectMs / 1000 });
    }
    this.wakeFor(conn);
    this.onReady(conn);
  }

  private allKnownDown(): boolean {
    return this.connections.every((c) => c.knownDown);
  }

  private allEnded(): boolean {
    return this.connections.every((c) => c.status === 'end');
  }

  /** The last connection attempt failed for sure: commands waiting for a shared connection fail now, not sent. */
  private down(): void {
    // ioredis reports the error before it moves to `reconnecting`; decide once the status has settled.
    queueMicrotask(() => {
      if (this.closed || !this.allKnownDown()) return;
      this.offline.fail(
        (w) => w.target === undefined,
        (w) => this.notSent(w.operation, 0),
      );
    });
  }

  /** Every connection ended for good (ioredis gave up, or the app closed its instance): nobody will be served. */
  private ended(): void {
    if (!this.allEnded()) return;
    this.offline.fail(
      () => true,
      (w) => new ClientClosedError(w.operation),
    );
  }

  /** `conn` became usable: wake the waiters it can serve (a leased one serves only its own lease's waiters). */
  private wakeFor(conn: Connection): void {
    this.offline.wake((w) => (w.target === undefined ? !conn.leased : w.target === conn));
  }

  private notSent(operation: string, waitMs: number): RedisUnavailableError {
    const type: ErrorType = this.lastConnectionErrorType ?? 'timeout';
    const last = this.primary.lastConnectionError;
    // Known down for a reason the next attempt will not find changed (a wrong password, TLS to a plain port, a
    // missing socket, no cluster): say so, so that no retry waits out its backoff for nothing.
    const hopeless = waitMs === 0 && last !== undefined && !classifyError(last).retryable;
    const why = waitMs === 0 ? 'Redis is not reachable' : `no connection within ${waitMs} ms`;
    return new RedisUnavailableError(`${operation.toUpperCase()} not sent: ${why} (${type})`, {
      operation,
      errorType: type,
      attempts: 1,
      sent: false,
      cause: this.primary.lastConnectionError,
      ...(hopeless && { retryable: false }),
    });
  }
}
