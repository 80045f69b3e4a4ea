/**
 * Owns the ioredis connection: builds it with settings that keep ioredis's own retries and queue out of the way,
 * tracks its status, and holds the bounded offline queue: commands wait here (never in ioredis) for a ready
 * connection, so a command that gives up waiting is provably never sent.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Clock } from '../clock.js';
import { classifyError, connectionErrorType, type ErrorType } from '../errors/classify.js';
import { OfflineQueueFullError, RedisUnavailableError } from '../errors/errors.js';
import type { Endpoint, Instrumentation } from '../instrumentation.js';

export type RedisClient = Redis | Cluster;

export interface ConnectionConfig {
  connectMs: number;
  commandMs: number;
  maxOffline: number;
  maxWaitMs: number;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  operation: string;
  timer: unknown;
}

/** ioredis settings under our policies: no offline queue, no per-request reconnect retries, no silent resend. */
export function ioredisDefaults(config: Pick<ConnectionConfig, 'connectMs'>): RedisOptions {
  return {
    connectTimeout: config.connectMs,
    // 0: commands in flight when a connection drops fail at once instead of riding ioredis's reconnects.
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // A command in flight when the connection dropped may have run; resending it could apply a write twice.
    autoResendUnfulfilledCommands: false,
    // Keep reconnecting forever, with capped, jittered backoff, so the client recovers on its own.
    retryStrategy: (times: number) => Math.min(2000, 50 * 2 ** Math.min(times, 6)) * (0.5 + Math.random() / 2),
  };
}

export function createRedis(
  redis: string | RedisOptions | RedisClient,
  config: ConnectionConfig,
): {
  client: RedisClient;
  owned: boolean;
} {
  if (redis instanceof Redis || redis instanceof Cluster || isRedisLike(redis)) {
    return { client: redis as RedisClient, owned: false };
  }
  const defaults = ioredisDefaults(config);
  if (typeof redis === 'string') return { client: new Redis(redis, defaults), owned: true };
  return { client: new Redis({ ...defaults, ...redis }), owned: true };
}

function isRedisLike(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Redis).sendCommand === 'function' &&
    typeof (v as Redis).status === 'string'
  );
}

export function endpointOf(client: RedisClient): Endpoint {
  if (client instanceof Cluster) {
    const first = (client as unknown as { startupNodes: unknown[] }).startupNodes[0] as
      | { host?: string; port?: number }
      | string
      | undefined;
    const node = typeof first === 'object' && first ? first : { host: '127.0.0.1', port: 6379 };
    return { address: String(node.host ?? '127.0.0.1'), port: Number(node.port ?? 6379), db: 0 };
  }
  const o = client.options;
  return { address: o.path ?? o.host ?? '127.0.0.1', port: o.path ? undefined : (o.port ?? 6379), db: o.db ?? 0 };
}

export class Connection {
  readonly endpoint: Endpoint;
  private readonly waiters: Waiter[] = [];
  private waitersHead = 0;
  private lastErrorType: ErrorType | undefined;
  private lastError: unknown;
  private handshakeTimer: unknown;
  private pingInFlight = false;
  private closed = false;
  private readonly listeners: Array<[string, (...a: unknown[]) => void]> = [];

  constructor(
    readonly client: RedisClient,
    private readonly owned: boolean,
    private readonly config: ConnectionConfig,
    private readonly instr: Instrumentation,
    private readonly clock: Clock,
  ) {
    this.endpoint = endpointOf(client);
    const statuses = ['wait', 'connecting', 'connect', 'ready', 'close', 'reconnecting', 'end'];
    for (const s of statuses) this.listen(s, () => this.onStatus(s));
    // Listening to 'error' also stops ioredis printing "[ioredis] Unhandled error event".
    this.listen('error', (err) => this.onError(err));
    instr.connectionStatus(client.status);
    if (client.status === 'connect') this.armHandshakeWatchdog();
  }

  get status(): string {
    return this.client.status;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  get offlineLength(): number {
    return this.waiters.length - this.waitersHead;
  }

  /** Last connection error type, to explain why a command could not be sent. */
  get lastConnectionErrorType(): ErrorType | undefined {
    return this.lastErrorType;
  }

  /**
   * Wait, bounded, for a ready connection. Rejects with OfflineQueueFullError when too many wait already, or with
   * a RedisUnavailableError (sent: false) after `waitMs`; either way the command was never handed to ioredis.
   */
  waitReady(operation: string, waitMs: number): Promise<void> {
    if (this.closed) return Promise.reject(this.notSent(operation, 0, 'closed'));
    if (this.offlineLength >= this.config.maxOffline) {
      return Promise.reject(new OfflineQueueFullError(operation, this.config.maxOffline, this.lastError));
    }
    if (this.client.status === 'wait' && this.owned) this.client.connect().catch(() => {});
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, operation, timer: undefined };
      waiter.timer = this.clock.setTimeout(
        () => {
          this.removeWaiter(waiter);
          reject(this.notSent(operation, waitMs));
        },
        Math.max(0, waitMs),
      );
      this.waiters.push(waiter);
      this.instr.offlineQueueLength(this.offlineLength);
    });
  }

  /** A sent command timed out: check the connection is alive, and drop it if PING cannot get through either. */
  suspectStale(): void {
    if (this.pingInFlight || this.closed || !(this.client instanceof Redis) || !this.ready) return;
    this.pingInFlight = true;
    const redis = this.client;
    const stream = redis.stream;
    const timer = this.clock.setTimeout(() => {
      // Same socket, no answer: a silent peer (paused server, black hole). Force ioredis to reconnect.
      if (redis.stream === stream && !stream.destroyed) stream.destroy(timeoutError('no reply to PING'));
    }, this.config.connectMs);
    redis
      .ping()
      .catch(() => {})
      .finally(() => {
        this.clock.clearTimeout(timer);
        this.pingInFlight = false;
      });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.handshakeTimer);
    this.rejectWaiters((op) => this.notSent(op, 0, 'closed'));
    for (const [event, fn] of this.listeners) this.client.removeListener(event, fn);
    if (this.owned) {
      try {
        await Promise.race([this.client.quit(), new Promise((r) => setTimeout(r, 500).unref())]);
      } catch {
        // quit fails when the connection is already gone; disconnect below covers it.
      }
      this.client.disconnect();
    }
  }

  private listen(event: string, fn: (...a: unknown[]) => void): void {
    this.client.on(event, fn);
    this.listeners.push([event, fn]);
  }

  private onStatus(status: string): void {
    this.instr.connectionStatus(status);
    if (status === 'reconnecting') this.instr.reconnecting();
    if (status === 'connect') this.armHandshakeWatchdog();
    else this.clock.clearTimeout(this.handshakeTimer);
    if (status === 'ready') {
      this.lastErrorType = undefined;
      this.lastError = undefined;
      this.releaseWaiters();
    }
    if (status === 'end' && !this.closed) this.rejectWaiters((op) => this.notSent(op, 0, 'closed'));
  }

  private onError(err: unknown): void {
    const c = classifyError(err);
    this.lastErrorType = c.type;
    this.lastError = err;
    this.instr.connectionError(connectionErrorType(c), err);
  }

  /**
   * ioredis's connectTimeout covers only the TCP connect. A server that accepts and never answers (SIGSTOP,
   * a black hole) would leave the handshake hanging forever, so bound it too.
   */
  private armHandshakeWatchdog(): void {
    if (!(this.client instanceof Redis)) return;
    const redis = this.client;
    const stream = redis.stream;
    this.clock.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = this.clock.setTimeout(() => {
      if (redis.status === 'connect' && redis.stream === stream && !stream.destroyed) {
        stream.destroy(timeoutError('handshake not answered'));
      }
    }, this.config.connectMs);
  }

  private releaseWaiters(): void {
    const waiters = this.waiters.splice(this.waitersHead);
    this.waiters.length = 0;
    this.waitersHead = 0;
    for (const w of waiters) {
      this.clock.clearTimeout(w.timer);
      w.resolve();
    }
    this.instr.offlineQueueLength(0);
  }

  private rejectWaiters(error: (operation: string) => unknown): void {
    const waiters = this.waiters.splice(this.waitersHead);
    this.waiters.length = 0;
    this.waitersHead = 0;
    for (const w of waiters) {
      this.clock.clearTimeout(w.timer);
      w.reject(error(w.operation));
    }
    this.instr.offlineQueueLength(0);
  }

  private removeWaiter(w: Waiter): void {
    const i = this.waiters.indexOf(w, this.waitersHead);
    if (i === -1) return;
    // Waiters time out in FIFO order under one maxWaitMs, so this is almost always the head: O(1).
    if (i === this.waitersHead) {
      this.waiters[i] = undefined as unknown as Waiter;
      this.waitersHead++;
      if (this.waitersHead > 1024 && this.waitersHead * 2 > this.waiters.length) {
        this.waiters.splice(0, this.waitersHead);
        this.waitersHead = 0;
      }
    } else {
      this.waiters.splice(i, 1);
    }
    this.instr.offlineQueueLength(this.offlineLength);
  }

  private notSent(operation: string, waitMs: number, forced?: ErrorType): RedisUnavailableError {
    const type: ErrorType = forced ?? this.lastErrorType ?? 'timeout';
    const why = forced === 'closed' ? 'the client is closing' : `no connection within ${waitMs} ms`;
    return new RedisUnavailableError(`${operation.toUpperCase()} not sent: ${why} (${type})`, {
      operation,
      errorType: type,
      attempts: 1,
      sent: false,
      cause: this.lastError,
    });
  }
}

function timeoutError(what: string): Error {
  const err = new Error(`Redis connection timed out: ${what}`) as NodeJS.ErrnoException;
  err.code = 'ETIMEDOUT';
  return err;
}
