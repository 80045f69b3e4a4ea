/**
 * `rr.client`: a guarded client over the shared pool, with the routing that sharing needs.
 * - Pub/sub goes to a subscriber connection of its own, made on first use; its deliveries are re-emitted here, and
 *   ioredis restores its subscriptions after a reconnect.
 * - A blocking command goes to a connection of its own (blocking-router.ts), except on a Cluster, whose node
 *   connections ioredis keeps.
 * - WATCH, SELECT and MULTI without a pipeline change the state of the one connection they run on, for the commands
 *   after them. On a pool of more than one those may go to another connection, so they are refused with an error
 *   that names rr.withConnection. On a pool of one they behave as on ioredis.
 */
import type { EventEmitter } from 'node:events';
import { UnsupportedCommandError } from '../errors/errors.js';
import { blockingTimeoutMs } from './blocking.js';
import { BlockingRouter } from './blocking-router.js';
import { BLOCKING, defineCommandMethods, runCommand, splitCallback, withCallback } from './commands.js';
import { dedicatedPool } from './dedicated.js';
import { isClusterInstance } from './detect.js';
import { LIFECYCLE_EVENTS } from './event-relay.js';
import type { Executor } from './executor.js';
import { GuardedClient, type ResilientClient } from './guarded-client.js';
import { type HostContext, PoolHost, socketOf } from './host.js';
import type { ConnectionPool } from './pool.js';
import { PinnedSource } from './source.js';
import { TxGuard } from './transaction.js';
import type { AnyFn, GuardedCore } from './types.js';
import type { Lease } from './with-connection.js';

const PUBSUB = ['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe'];
const STATEFUL = ['watch', 'select'];
const ROUTED: ReadonlySet<string> = new Set([...PUBSUB, ...STATEFUL, ...BLOCKING]);

interface Routes {
  poolSize: number;
  blocking: BlockingRouter | undefined;
  /** The subscriber connection's executor, made (and its deliveries relayed to `client`) on first use. */
  subscriber(client: EventEmitter): Executor;
}

class SharedClient extends GuardedClient {
  constructor(
    core: GuardedCore,
    readonly routes: Routes,
  ) {
    super(core);
  }

  protected override beginMulti(): Promise<unknown> {
    if (this.routes.poolSize > 1) return Promise.reject(needsLease('multi', this.routes.poolSize));
    return super.beginMulti();
  }

  /** `call('blpop', …)` and the like take the same routes as the command methods. */
  override call(name: string, ...args: unknown[]): Promise<unknown> {
    const n = String(name).toLowerCase();
    return ROUTED.has(n)
      ? ((this as unknown as Record<string, AnyFn>)[n]!(...args) as Promise<unknown>)
      : super.call(n, ...args);
  }

  override callBuffer(name: string, ...args: unknown[]): Promise<unknown> {
    const n = String(name).toLowerCase();
    if (!ROUTED.has(n)) return super.callBuffer(n, ...args);
    return (this as unknown as Record<string, AnyFn>)[`${n}Buffer`]!(...args) as Promise<unknown>;
  }
}

function needsLease(operation: string, size: number): UnsupportedCommandError {
  const what = operation === 'multi' ? 'multi({ pipeline: false })' : operation.toUpperCase();
  const instead =
    operation === 'select'
      ? 'set the database with the `db` option of `redis`, or run it inside rr.withConnection(async (conn) => …)'
      : operation === 'multi'
        ? 'use rr.client.multi() (one guarded MULTI … EXEC), or run it inside rr.withConnection(async (conn) => …)'
        : 'run WATCH … MULTI … EXEC inside rr.withConnection(async (conn) => …), which holds one connection';
  return new UnsupportedCommandError(
    operation,
    `${what} is refused on rr.client with a pool of ${size} connections: it applies to one connection, and the ` +
      `commands after it may go to another; ${instead}`,
  );
}

defineCommandMethods(
  SharedClient.prototype,
  STATEFUL,
  (name, method, flags) =>
    function (this: SharedClient, ...args: unknown[]) {
      if (this.routes.poolSize <= 1) return runCommand(this.core, name, args, method, flags);
      return withCallback(Promise.reject(needsLease(name, this.routes.poolSize)), splitCallback(args)[1]);
    },
);

defineCommandMethods(
  SharedClient.prototype,
  PUBSUB,
  (name, method, flags) =>
    function (this: SharedClient, ...args: unknown[]) {
      // Subscribing again is harmless: retried like a read.
      return runCommand(this.core, name, args, method, flags, {
        executor: this.routes.subscriber(this),
        retrySafe: true,
      });
    },
);

defineCommandMethods(
  SharedClient.prototype,
  [...BLOCKING],
  (name, method, flags) =>
    function (this: SharedClient, ...raw: unknown[]) {
      const router = this.routes.blocking;
      const [args, callback] = splitCallback(raw);
      // XREAD without BLOCK does not block: it stays on the shared pool.
      if (!router || blockingTimeoutMs(name, args) === undefined)
        return runCommand(this.core, name, raw, method, flags);
      return withCallback(router.run(this.core, name, args, method, flags), callback);
    },
);

export interface SharedDeps {
  ctx: HostContext;
  pool: ConnectionPool;
  lease: Lease;
  idempotentWrites: ReadonlySet<string>;
}

/** rr.client, with its host (connect/disconnect/quit/duplicate/monitor, events) and its routes. */
export function createSharedClient({ ctx, pool, lease, idempotentWrites }: SharedDeps): ResilientClient {
  const primary = pool.primary.client;
  const host = new PoolHost(ctx, pool, LIFECYCLE_EVENTS);
  const blocking = isClusterInstance(primary) ? undefined : new BlockingRouter(ctx, pool, lease);
  if (blocking) host.onDisconnect(() => blocking.dropSpare());
  let subscriber: Executor | undefined;
  const routes: Routes = {
    poolSize: pool.connections.length,
    blocking,
    subscriber(client) {
      if (subscriber) return subscriber;
      const sub = ctx.owned.add(dedicatedPool(ctx, primary, `${ctx.poolName}:subscriber`));
      host.include(sub);
      host.relayFrom(sub.primary.client, client);
      subscriber = ctx.executor.on(new PinnedSource(sub, sub.primary));
      return subscriber;
    },
  };
  const core: GuardedCore = {
    executor: ctx.executor,
    redis: () => primary,
    idempotentWrites,
    host,
    scripts: new Map(),
    tx: new TxGuard(() => socketOf(primary)),
  };
  return new SharedClient(core, routes) as unknown as ResilientClient;
}
