/**
 * Builds ioredis clients with settings that keep ioredis's own retries and queue out of the way, and wraps each
 * in a Connection that tracks its status and catches silent peers.
 */
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Clock } from '../clock.js';
import { classifyError, connectionErrorType, type ErrorType } from '../errors/classify.js';
import type { Endpoint, Instrumentation } from '../instrumentation.js';

/** The longest pause between two reconnect attempts: a returning Redis is found within about this long. */
export const MAX_RECONNECT_DELAY_MS = 500;

/**
 * Reconnect delays: exponential from 50 ms, capped at MAX_RECONNECT_DELAY_MS, each scaled by a random factor in
 * [0.5, 1) so that many clients that lost Redis together do not reconnect together. While Redis stays down that is
 * about 2.7 attempts per second per connection (a refused connect costs the server nothing to answer).
 */
export function reconnectDelay(times: number, random: () => number = Math.random): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(times, 10)) * (0.5 + random() / 2);
}

export type RedisClient = Redis | Cluster;

export interface ConnectionConfig {
  connectMs: number;
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
    retryStrategy: (times: number) => reconnectDelay(times),
    // After a Sentinel failover the old master answers READONLY: reconnect (ioredis asks Sentinel anew), then retry.
    reconnectOnError: (err: Error) => (classifyError(err).type === 'readonly' ? 2 : false),
  };
}

/**
 * The clients behind a pool of `size`: built from a URL or options, or the user's instance (which we never close)
 * plus duplicates of it. A Cluster pools per node itself, so it is used alone.
 */
export function createClients(
  redis: string | RedisOptions | RedisClient | ClusterConfig,
  config: Pick<ConnectionConfig, 'connectMs'>,
  size: number,
): { client: RedisClient; owned: boolean }[] {
  if (redis instanceof Cluster) return [{ client: redis, owned: false }];
  if (isClusterConfig(redis)) {
    const { cluster, options = {} } = redis;
    const redisOptions = { connectTimeout: config.connectMs, maxRetriesPerRequest: 0, ...options.redisOptions };
    return [{ client: new Cluster(cluster, { ...options, redisOptions }), owned: true }];
  }
  if (redis instanceof Redis || isRedisLike(redis)) {
    const mine = redis as Redis;
    const extra = Array.from({ length: size - 1 }, () => ({ client: mine.duplicate(), owned: true }));
    return [{ client: mine, owned: false }, ...extra];
  }
  const defaults = ioredisDefaults(config);
  const make = () => (typeof redis === 'string' ? new Redis(redis, defaults) : new Redis({ ...defaults, ...redis }));
  return Array.from({ length: size }, () => ({ client: make(), owned: true }));
}

/** Cluster options for `init({ redis: { cluster: [...startup nodes], options } })`. */
export interface ClusterConfig {
  cluster: ClusterNode[];
  options?: ClusterOptions;
}

export function isClusterConfig(v: unknown): v is ClusterConfig {
  return typeof v === 'object' && v !== null && Array.isArray((v as ClusterConfig).cluster);
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

/**
 * One ioredis client: its status, its connection errors, and the watchdogs that catch a peer that stopped
 * answering. Commands wait for a ready connection in the pool, never inside ioredis.
 */
export class Connection {
  readonly endpoint: Endpoint;
  /** Commands sent on this connection and not yet settled. */
  inflight = 0;
  /** Held exclusively by `withConnection`. */
  leased = false;
  private lastErrorType: ErrorType | undefined;
  private lastError: unknown;
  private handshakeTimer: unknown;
  private connectStartedAt: number | undefined;
  /** The server this client last became ready on; a change under Sentinel is a failover. */
  private servedBy: string | undefined;
  private pingInFlight = false;
  private pingTimer: unknown;
  private everReady = false;
  private closed = false;
  private readonly listeners: Array<[string, (...a: unknown[]) => void]> = [];

  constructor(
    readonly client: RedisClient,
    readonly owned: boolean,
    private readonly config: ConnectionConfig,
    private readonly telemetry: Instrumentation,
    private readonly clock: Clock,
    private readonly events: {
      ready(c: Connection, connectMs: number | undefined): void;
      end(c: Connection): void;
      /** A connection attempt failed; the pool may give up on its waiters early. */
      down(c: Connection): void;
    },
  ) {
    this.endpoint = endpointOf(client);
    const statuses = ['wait', 'connecting', 'connect', 'ready', 'close', 'reconnecting', 'end'];
    for (const s of statuses) this.listen(s, () => this.onStatus(s));
    // Listening to 'error' also stops ioredis printing "[ioredis] Unhandled error event".
    this.listen('error', (err) => this.onError(err));
    telemetry.emit('connectionStatus', { status: client.status });
    this.everReady = client.status === 'ready';
    if (client.status === 'connecting') this.connectStartedAt = clock.now();
    if (client.status === 'connect') this.armHandshakeWatchdog();
  }

  get status(): string {
    return this.client.status;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Last connection error, to explain why a command could not be sent. */
  get lastConnectionErrorType(): ErrorType | undefined {
    return this.lastErrorType;
  }

  get lastConnectionError(): unknown {
    return this.lastError;
  }

  /** Start connecting a lazily created client. */
  connect(): void {
    if (this.client.status === 'wait' && this.owned) this.client.connect().catch(() => {});
  }

  /** A sent command timed out: check the connection is alive, and drop it if PING cannot get through either. */
  suspectStale(): void {
    if (this.pingInFlight || this.closed || !(this.client instanceof Redis) || !this.ready) return;
    this.pingInFlight = true;
    const redis = this.client;
    const stream = redis.stream;
    this.pingTimer = this.clock.setTimeout(() => {
      // Same socket, no answer: a silent peer (paused server, black hole). Force ioredis to reconnect.
      if (redis.stream === stream && !stream.destroyed) stream.destroy(timeoutError('no reply to PING'));
    }, this.config.connectMs);
    redis
      .ping()
      .catch(() => {})
      .finally(() => {
        this.clock.clearTimeout(this.pingTimer);
        this.pingInFlight = false;
      });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.handshakeTimer);
    this.clock.clearTimeout(this.pingTimer);
    for (const [event, fn] of this.listeners) this.client.removeListener(event, fn);
    if (this.owned) {
      // Swallow the 'error' a closing socket may still emit once our listener is gone.
      this.client.on('error', () => {});
      // Calls in flight were already settled by the executor; a QUIT could wait on a silent server.
      this.client.disconnect();
    }
  }

  private listen(event: string, fn: (...a: unknown[]) => void): void {
    this.client.on(event, fn);
    this.listeners.push([event, fn]);
  }

  private onStatus(status: string): void {
    this.telemetry.emit('connectionStatus', { status });
    if (status === 'connecting') this.connectStartedAt = this.clock.now();
    if (status === 'connect') this.armHandshakeWatchdog();
    else this.clock.clearTimeout(this.handshakeTimer);
    if (status === 'ready') {
      this.lastErrorType = undefined;
      this.lastError = undefined;
      const started = this.connectStartedAt;
      this.connectStartedAt = undefined;
      this.noteServer();
      // A completed reconnect, not an attempt: a 10 s outage is one reconnect, not one per retry of the socket.
      if (this.everReady) this.telemetry.emit('reconnected', {});
      this.everReady = true;
      this.events.ready(this, started === undefined ? undefined : this.clock.now() - started);
    }
    if (status === 'end' && !this.closed) this.events.end(this);
    if (status === 'reconnecting') this.events.down(this);
  }

  private noteServer(): void {
    if (!(this.client instanceof Redis)) return;
    const stream = this.client.stream as { remoteAddress?: string; remotePort?: number } | undefined;
    if (!stream?.remoteAddress) return;
    const now = `${stream.remoteAddress}:${stream.remotePort}`;
    if (this.servedBy && this.servedBy !== now && this.client.options.sentinels)
      this.telemetry.emit('failover', { from: this.servedBy, to: now });
    this.servedBy = now;
  }

  private onError(err: unknown): void {
    const c = classifyError(err);
    this.lastErrorType = c.type;
    this.lastError = err;
    this.telemetry.emit('connectionError', { type: connectionErrorType(c), error: err });
    if (!this.ready) this.events.down(this);
  }

  /**
   * Down for sure until the next reconnect: ended for good, or the last attempt was refused, did not resolve, or was
   * turned away (wrong password, TLS mismatch), and no attempt is under way. A timeout or a reset may be one slow
   * packet; those still get the bounded wait.
   */
  get knownDown(): boolean {
    const s = this.client.status;
    if (s === 'end') return true;
    const between = s === 'reconnecting' || s === 'close';
    return between && this.lastErrorType !== undefined && FAIL_FAST_TYPES.has(this.lastErrorType);
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
}

/** Connection errors that will not go away by themselves within a command's wait. */
const FAIL_FAST_TYPES: ReadonlySet<ErrorType> = new Set(['refused', 'dns', 'auth', 'tls']);

function timeoutError(what: string): Error {
  const err = new Error(`Redis connection timed out: ${what}`) as NodeJS.ErrnoException;
  err.code = 'ETIMEDOUT';
  return err;
}
