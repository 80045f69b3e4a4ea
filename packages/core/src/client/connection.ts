/** One ioredis client wrapped: its status, its connection errors, and the watchdogs that catch silent peers. */
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { classifyError, connectionErrorType, type ErrorType } from '../errors/classify.js';
import type { Endpoint, Instrumentation } from '../instrumentation.js';
import { type ConnectionConfig, endpointOf, type RedisClient } from './connection-settings.js';
import { isRedisInstance } from './detect.js';

export type { ConnectionConfig, RedisClient } from './connection-settings.js';

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
  private wasReady = false;
  /** TLS only: the TCP connect of the current attempt completed (so a handshake timeout is a TLS problem). */
  private tcpUp = false;
  private closed = false;
  private readonly listeners: Array<[string, (...a: unknown[]) => void]> = [];
  /** A standalone (or Sentinel) connection with a socket of its own; a Cluster has one per node. */
  private readonly redis: Redis | undefined;

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
    this.redis = isRedisInstance(client) ? client : undefined;
    const statuses = ['wait', 'connecting', 'connect', 'ready', 'close', 'reconnecting', 'end'];
    for (const s of statuses) this.listen(s, () => this.onStatus(s));
    // Listening to 'error' also stops ioredis printing "[ioredis] Unhandled error event".
    this.listen('error', (err) => this.onError(err));
    telemetry.emit('connectionStatus', { status: client.status });
    this.wasReady = client.status === 'ready';
    if (client.status === 'connecting') this.connectStartedAt = clock.now();
    if (client.status === 'connect') this.armHandshakeWatchdog();
  }

  get status(): string {
    return this.client.status;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** The socket commands are written to now; none for a Cluster, whose nodes each have their own. */
  get socket(): Writable | undefined {
    return this.redis?.stream;
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
    const redis = this.redis;
    if (this.pingInFlight || this.closed || !redis || !this.ready) return;
    this.pingInFlight = true;
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
    if (status === 'connecting') {
      this.connectStartedAt = this.clock.now();
      this.watchTcpConnect();
    }
    if (status === 'connect') this.armHandshakeWatchdog();
    else this.clock.clearTimeout(this.handshakeTimer);
    if (status === 'ready') {
      this.lastErrorType = undefined;
      this.lastError = undefined;
      const started = this.connectStartedAt;
      this.connectStartedAt = undefined;
      this.noteServer();
      // A completed reconnect, not an attempt: a 10 s outage is one reconnect, not one per retry of the socket.
      if (this.wasReady) this.telemetry.emit('reconnected', {});
      this.wasReady = true;
      this.events.ready(this, started === undefined ? undefined : this.clock.now() - started);
    }
    if (status === 'end' && !this.closed) this.events.end(this);
    if (status === 'reconnecting') this.events.down(this);
  }

  private noteServer(): void {
    if (!this.redis) return;
    const stream = this.redis.stream as { remoteAddress?: string; remotePort?: number } | undefined;
    if (!stream?.remoteAddress) return;
    const now = `${stream.remoteAddress}:${stream.remotePort}`;
    if (this.servedBy && this.servedBy !== now && this.redis.options.sentinels)
      this.telemetry.emit('failover', { from: this.servedBy, to: now });
    this.servedBy = now;
  }

  /**
   * ioredis's connect timeout covers TCP and the TLS handshake alike. A handshake that never completes after the TCP
   * connect did is a TLS mismatch (rediss:// to a plain-text port): report it as such, so that calls fail fast.
   */
  private watchTcpConnect(): void {
    this.tcpUp = false;
    const redis = this.redis;
    if (!redis?.options.tls) return;
    // ioredis sets the stream once its connector has made it, just after `connecting`.
    setImmediate(() => {
      const stream = redis.stream as (typeof redis.stream & { connecting?: boolean }) | undefined;
      if (!stream || redis.status !== 'connecting') return;
      if (stream.connecting === false) this.tcpUp = true;
      else stream.once('connect', () => (this.tcpUp = true));
    });
  }

  private onError(raw: unknown): void {
    const code = (raw as { code?: unknown } | null)?.code;
    const err =
      code === 'ETIMEDOUT' && this.tcpUp && this.client.status !== 'ready'
        ? Object.assign(
            new Error('TLS handshake not answered after the TCP connect (is this a TLS port?)', { cause: raw }),
            {
              code: 'ERR_TLS_HANDSHAKE_TIMEOUT',
            },
          )
        : raw;
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
    const redis = this.redis;
    if (!redis) return;
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
const FAIL_FAST_TYPES: ReadonlySet<ErrorType> = new Set(['refused', 'dns', 'auth', 'tls', 'clusterdown']);

function timeoutError(what: string): Error {
  const err = new Error(`Redis connection timed out: ${what}`) as NodeJS.ErrnoException;
  err.code = 'ETIMEDOUT';
  return err;
}
