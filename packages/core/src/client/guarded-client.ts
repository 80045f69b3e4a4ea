/**
 * `rr.client`: ioredis-compatible command methods, each run through the executor. Methods are generated once,
 * on the prototype, from the @ioredis/commands list, so a call costs one property lookup (no Proxy).
 */
import { hasFlag, list } from '@ioredis/commands';
import type { ChainableCommander, Cluster, Redis, RedisCommander } from 'ioredis';
import { commandRetrySafety } from '../retry/idempotency.js';
import { createBatch } from './batch.js';
import { blockingTimeoutMs } from './blocking.js';
import type { AnyFn, Callback, GuardedCore } from './types.js';

/** What `rr.client` offers: ioredis's command methods plus guarded pipelines and transactions. */
export type ResilientClient = RedisCommander<{ type: 'default' }> & {
  /** Queue commands and send them as one guarded operation on `exec()`. */
  pipeline(commands?: unknown[][]): ChainableCommander;
  /** A MULTI/EXEC transaction, guarded as one operation. */
  multi(commands?: unknown[][]): ChainableCommander;
  /** The ioredis status of the underlying connection. */
  readonly status: string;
  /** The underlying ioredis client, unguarded: for what this wrapper does not cover. */
  readonly raw: Redis | Cluster;
};

export function createGuardedClient(core: GuardedCore): ResilientClient {
  return new GuardedClient(core) as unknown as ResilientClient;
}

class GuardedClient {
  constructor(readonly core: GuardedCore) {}

  get status(): string {
    return this.core.redis().status;
  }

  get raw(): Redis | Cluster {
    return this.core.redis();
  }

  call(name: string, ...args: unknown[]): unknown {
    return runCommand(this.core, String(name).toLowerCase(), args, 'call');
  }

  callBuffer(name: string, ...args: unknown[]): unknown {
    return runCommand(this.core, String(name).toLowerCase(), args, 'callBuffer');
  }

  pipeline(commands?: unknown[][]): ChainableCommander {
    return createBatch(this.core, 'pipeline', commands);
  }

  multi(commands?: unknown[][] | { pipeline: false }): ChainableCommander {
    return createBatch(this.core, 'multi', Array.isArray(commands) ? commands : undefined);
  }
}

function runCommand(
  core: GuardedCore,
  name: string,
  rawArgs: unknown[],
  method: string,
  blocking = BLOCKING.has(name),
): Promise<unknown> {
  let args = rawArgs;
  let callback: Callback | undefined;
  if (typeof args[args.length - 1] === 'function') {
    callback = args[args.length - 1] as Callback;
    args = args.slice(0, -1);
  }
  const via = method === 'call' || method === 'callBuffer' ? method : undefined;
  const promise = core.executor.run({
    operation: name,
    args,
    isRetrySafe: () => commandRetrySafety(name, args, core.idempotentWrites) === 'safe',
    blockMs: blocking ? blockingTimeoutMs(name, args) : undefined,
    send: (client) => {
      const redis = client as unknown as Record<string, AnyFn>;
      return (via ? redis[via]!.call(redis, name, ...args) : redis[method]!.apply(redis, args)) as Promise<unknown>;
    },
  });
  if (callback) {
    const cb = callback;
    promise.then(
      (v) => cb(null, v),
      (e) => cb(e),
    );
  }
  return promise;
}

/** Commands that may block on the server; looked up once here, not per call. */
export const BLOCKING: ReadonlySet<string> = new Set(list.filter((n) => hasFlag(n, 'blocking')));

for (const name of list) {
  if (name in GuardedClient.prototype || !/^[a-z][a-z0-9_]*$/.test(name)) continue;
  const blocking = BLOCKING.has(name);
  for (const method of [name, `${name}Buffer`]) {
    Object.defineProperty(GuardedClient.prototype, method, {
      value: function (this: GuardedClient, ...args: unknown[]) {
        return runCommand(this.core, name, args, method, blocking);
      },
      writable: true,
      configurable: true,
    });
  }
}
