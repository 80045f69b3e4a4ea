/**
 * What `connect`, `disconnect`, `quit`, `duplicate` and `monitor` do, per kind of guarded client:
 * - `rr.client` and a duplicate act on their own connections, as ioredis does on its one (the app's own instance
 *   included: rr.client is the handle to it now). `rr.close()` is the teardown of the whole instance.
 * - A `withConnection` lease refuses them: the connection goes back to the pool when the lease ends.
 * Every client re-emits its connection's events (event-relay.ts); the relays are removed when it goes away.
 */
import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { ClientClosedError } from '../errors/errors.js';
import type { Connection } from './connection.js';
import type { RedisClient } from './connection-settings.js';
import { type DedicatedDeps, dedicatedPool } from './dedicated.js';
import { isClusterInstance } from './detect.js';
import { LIFECYCLE_EVENTS, PUBSUB_EVENTS, relayEvents } from './event-relay.js';
import type { Executor } from './executor.js';
import { createGuardedClient, type ResilientClient } from './guarded-client.js';
import type { Owned } from './owned.js';
import type { ConnectionPool } from './pool.js';
import { type LeaseWaits, PinnedSource } from './source.js';
import { TxGuard } from './transaction.js';
import type { ClientHost } from './types.js';

export interface HostContext extends DedicatedDeps {
  /** The root executor: every client made here shares its policies, breakers and lifecycle. */
  executor: Executor;
  idempotentWrites: ReadonlySet<string>;
  poolName: string;
  /** What rr.close() closes. */
  owned: Owned;
  /** Longest a QUIT waits for its reply before the connection is simply closed. */
  quitMs: number;
  clock: Clock;
}

const noop = () => {};

/** A guarded client that sends everything on `conn` (waiting for it through `waits`, its pool). */
export function exclusiveClient(
  ctx: HostContext,
  waits: LeaseWaits,
  conn: Connection,
  host: ClientHost,
): ResilientClient {
  return createGuardedClient({
    executor: ctx.executor.on(new PinnedSource(waits, conn)),
    redis: () => conn.client,
    idempotentWrites: ctx.idempotentWrites,
    host,
    scripts: new Map(),
    tx: new TxGuard(() => socketOf(conn.client)),
  });
}

/** The socket a transaction began on (undefined for a Cluster, which has one per node). */
export function socketOf(client: RedisClient): unknown {
  return isClusterInstance(client) ? undefined : client.stream;
}

/** Hosts for a client over connections of its own: `rr.client` (its pool, and its subscriber) and duplicates. */
export class PoolHost implements ClientHost {
  private readonly pools: ConnectionPool[];
  private readonly disconnected: Array<() => void> = [];

  constructor(
    private readonly ctx: HostContext,
    pool: ConnectionPool,
    /** Which events are re-emitted: a duplicate subscribes on its own connection, rr.client on a subscriber. */
    private readonly events: readonly string[],
    /** Set for a duplicate: it leaves the instance's books once closed, and joins them again on connect(). */
    private readonly self?: ConnectionPool,
  ) {
    this.pools = [pool];
  }

  /** Another pool whose connections follow this client's connect/disconnect/quit (the subscriber). */
  include(pool: ConnectionPool): void {
    this.pools.push(pool);
  }

  /** Called when the client disconnects or quits (e.g. to close a spare connection). */
  onDisconnect(fn: () => void): void {
    this.disconnected.push(fn);
  }

  private connections(): Connection[] {
    return this.pools.flatMap((p) => p.connections);
  }

  connect(): Promise<void> {
    // After rr.close() nothing is reopened: it would hold the process open, with nothing to send on it.
    if (this.ctx.owned.isClosed) return Promise.reject(new ClientClosedError('connect'));
    if (this.self) this.ctx.owned.add(this.self);
    const [first, ...rest] = this.connections();
    for (const c of rest) if (c.status === 'wait' || c.status === 'end') c.client.connect().catch(noop);
    // ioredis's own answer: resolves when ready, rejects when already connecting or connected.
    return first!.client.connect();
  }

  disconnect(reconnect: boolean): void {
    if (!reconnect) this.letGo();
    for (const c of this.connections()) c.client.disconnect(reconnect);
  }

  async quit(): Promise<'OK'> {
    this.letGo();
    await Promise.all(this.connections().map((c) => quitOne(c.client, this.ctx.quitMs, this.ctx.clock)));
    return 'OK';
  }

  private letGo(): void {
    for (const fn of this.disconnected) fn();
    if (this.self) this.ctx.owned.delete(this.self);
  }

  duplicate(override?: object): ResilientClient {
    return duplicateOf(this.ctx, this.pools[0]!.primary.client, override);
  }

  monitor(): Promise<Redis> {
    return monitorOf(this.ctx, this.pools[0]!.primary.client);
  }

  relay(client: EventEmitter): void {
    const stop = relayEvents(this.pools[0]!.primary.client, client, this.events);
    // rr.client's relay sits on the pool's first connection, which may be the app's own instance: removed at close.
    if (!this.self) this.ctx.owned.onClose(stop);
  }

  /** Re-emit pub/sub deliveries of `source` (the subscriber connection, ours) on `client`. */
  relayFrom(source: EventEmitter, client: EventEmitter): void {
    relayEvents(source, client, PUBSUB_EVENTS);
  }
}

/** A `withConnection` lease: the connection is the pool's, so its lifecycle is not the client's to change. */
export class LeaseHost implements ClientHost {
  private stopRelay: (() => void) | undefined;

  constructor(
    private readonly ctx: HostContext,
    private readonly conn: Connection,
  ) {}

  connect(): Promise<void> {
    return Promise.reject(leaseError('connect'));
  }

  disconnect(): void {
    throw leaseError('disconnect');
  }

  quit(): Promise<'OK'> {
    return Promise.reject(leaseError('quit'));
  }

  duplicate(override?: object): ResilientClient {
    return duplicateOf(this.ctx, this.conn.client, override);
  }

  monitor(): Promise<Redis> {
    return monitorOf(this.ctx, this.conn.client);
  }

  relay(client: EventEmitter): void {
    this.stopRelay = relayEvents(this.conn.client, client, [...LIFECYCLE_EVENTS, ...PUBSUB_EVENTS]);
  }

  /** The lease ended: the connection's events no longer concern the lease's client. */
  release(): void {
    this.stopRelay?.();
    this.stopRelay = undefined;
  }
}

function leaseError(what: string): Error {
  return new Error(
    `${what}() on a connection leased by withConnection: the lease gives it back to the pool when your function ` +
      'returns; use rr.client.duplicate() for a connection of your own',
  );
}

function duplicateOf(ctx: HostContext, template: RedisClient, override?: object): ResilientClient {
  const pool = ctx.owned.add(dedicatedPool(ctx, template, `${ctx.poolName}:duplicate`, override));
  const host = new PoolHost(ctx, pool, [...LIFECYCLE_EVENTS, ...PUBSUB_EVENTS], pool);
  return exclusiveClient(ctx, pool, pool.primary, host);
}

/** ioredis's monitor(): a new connection in MONITOR mode, resolved once it monitors. */
function monitorOf(ctx: HostContext, template: RedisClient): Promise<Redis> {
  if (isClusterInstance(template)) {
    return Promise.reject(new Error('monitor() needs one server: call it on a node of the Cluster (cluster.nodes())'));
  }
  if (ctx.owned.isClosed) return Promise.reject(new ClientClosedError('monitor'));
  const m = template.duplicate({ monitor: true, lazyConnect: false });
  // Its errors must never print "[ioredis] Unhandled error event"; listeners the app adds still get them.
  m.on('error', noop);
  const entry = ctx.owned.add({ close: () => m.disconnect() });
  // Bounded: a server that accepts and never answers must not leave the caller waiting.
  const limitMs = ctx.config.connectMs + ctx.quitMs;
  return new Promise<Redis>((resolve, reject) => {
    const timer = ctx.clock.setTimeout(() => fail(new Error(`monitor(): not monitoring after ${limitMs} ms`)), limitMs);
    const settle = () => {
      ctx.clock.clearTimeout(timer);
      m.removeListener('monitoring', ok);
      m.removeListener('error', fail);
      m.removeListener('end', ended);
    };
    const fail = (err: unknown) => {
      settle();
      m.disconnect();
      ctx.owned.delete(entry);
      reject(err);
    };
    const ended = () => fail(new ClientClosedError('monitor'));
    const ok = () => {
      settle();
      m.once('end', () => ctx.owned.delete(entry));
      resolve(m);
    };
    m.once('error', fail);
    m.once('end', ended);
    m.once('monitoring', ok);
  });
}

/** QUIT after the pending replies; a server that does not answer within `ms` is simply disconnected. */
function quitOne(client: RedisClient, ms: number, clock: Clock): Promise<void> {
  if (client.status === 'end') return Promise.resolve();
  if (client.status !== 'ready') {
    client.disconnect();
    return Promise.resolve();
  }
  const timer = clock.setTimeout(() => client.disconnect(), ms);
  return client
    .quit()
    .then(noop, noop)
    .finally(() => clock.clearTimeout(timer));
}
