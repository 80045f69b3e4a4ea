/** Types shared by the guarded clients and their batches. */
import type { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import type { Executor } from './executor.js';
import type { TxGuard } from './transaction.js';

export type AnyFn = (...args: unknown[]) => unknown;
export type Callback = (err: unknown, result?: unknown) => void;

/** A Lua command for `defineCommand`, as ioredis takes it. */
export interface ScriptDefinition {
  lua: string;
  /** Keys at the front of the arguments; when unset, the caller passes the key count first. */
  numberOfKeys?: number | undefined;
  /** The script only reads: safe to retry. */
  readOnly?: boolean | undefined;
}

/** What a guarded client does to its connections, and the connections it may make: per kind of client. */
export interface ClientHost {
  /** ioredis's `connect()`: start connecting what is not connected; resolves when ready. */
  connect(): Promise<void>;
  /** ioredis's `disconnect(reconnect)`: close at once (pending replies are lost); reconnect when asked. */
  disconnect(reconnect: boolean): void;
  /** ioredis's `quit()`: QUIT after the pending replies, bounded; the connections then stay closed. */
  quit(): Promise<'OK'>;
  /** A guarded client with the same policies and a connection of its own. */
  duplicate(override?: object): unknown;
  /** A new ioredis connection in MONITOR mode (closed with the instance). */
  monitor(): Promise<Redis>;
  /** Re-emit the connection's events on `client` (to its listeners only). */
  relay(client: EventEmitter): void;
}

export interface GuardedCore {
  executor: Executor;
  /** The client reported as `status`, `options` and `raw` (the pool's first connection). */
  redis: () => Redis | Cluster;
  idempotentWrites: ReadonlySet<string>;
  host: ClientHost;
  /** Lua commands added with `defineCommand`, by name: pipelines send them too. */
  scripts: Map<string, ScriptDefinition>;
  tx: TxGuard;
}
