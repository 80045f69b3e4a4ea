/**
 * Pipelines and transactions record commands and send them as ONE guarded operation: one breaker decision, one
 * timeout, and a retry only when every command in it is safe to repeat or none of it reached Redis.
 *
 * The result keeps ioredis's shape: `[error, result]` per entry, and a command error (WRONGTYPE …) stays in its
 * entry. When an entry failed for a reason that counts against the breaker (the connection was lost mid-pipeline,
 * LOADING …), `exec()` rejects instead, with a RedisUnavailableError whose `results` holds every entry, the lost ones
 * as typed errors, so that a partial failure can never pass for a success.
 */
import { list } from '@ioredis/commands';
import type { ChainableCommander } from 'ioredis';
import { batchFailure } from '../errors/classify.js';
import { commandRetrySafety } from '../retry/idempotency.js';
import { blockingTimeoutMs } from './blocking.js';
import { scriptArgs } from './scripts.js';
import type { AnyFn, Callback, GuardedCore } from './types.js';

type Results = [error: Error | null, result: unknown][];

/** [command name, ioredis method (e.g. `getBuffer`), args] */
type BatchEntry = [name: string, method: string, args: unknown[]];

class Batch {
  readonly entries: BatchEntry[];

  constructor(
    private readonly core: GuardedCore,
    private readonly kind: 'pipeline' | 'multi',
    initial?: unknown[][],
  ) {
    this.entries = (initial ?? []).map(([n, ...a]) => {
      const name = String(n).toLowerCase();
      return [name, name, a];
    });
    // Commands added with defineCommand: sent as EVAL, which needs no extra round trip to load the script.
    for (const [name, def] of core.scripts) {
      for (const [method, via] of [
        [name, 'eval'],
        [`${name}Buffer`, 'evalBuffer'],
      ] as const) {
        (this as unknown as Record<string, AnyFn>)[method] = (...args: unknown[]) => {
          this.entries.push(['eval', via, [def.lua, ...scriptArgs(def, args)]]);
          return this;
        };
      }
    }
  }

  get length(): number {
    return this.entries.length;
  }

  call(name: string, ...args: unknown[]): this {
    const n = String(name).toLowerCase();
    this.entries.push([n, n, args]);
    return this;
  }

  exec(callback?: Callback): Promise<unknown> {
    const { core, kind } = this;
    // A MULTI ends a WATCH: it runs under the transaction's rules, as does anything sent while one is open.
    const promise =
      kind === 'multi' || core.tx.active
        ? core.tx.run(kind === 'multi' ? 'exec' : kind, (once) => this.send(once))
        : this.send(false);
    if (callback) promise.then((v) => callback(null, v), callback);
    return promise;
  }

  private send(once: boolean): Promise<unknown> {
    const { core, kind, entries } = this;
    return core.executor.run({
      operation: kind,
      once,
      // Each entry as [name, ...args]: telemetry renders a redacted `SET ? ?; GET ?` from it when enabled.
      args: entries.map(([n, , a]) => [n, ...a]),
      isRetrySafe: () => entries.every(([n, , a]) => commandRetrySafety(n, a, core.idempotentWrites) === 'safe'),
      // A blocking command inside a batch keeps the whole batch waiting as long.
      blockMs: entries.reduce<number | undefined>((max, [n, , a]) => {
        const b = blockingTimeoutMs(n, a);
        return b === undefined ? max : max === 0 || b === 0 ? 0 : Math.max(max ?? 0, b);
      }, undefined),
      send: (redis) => {
        const chain = (kind === 'multi' ? redis.multi() : redis.pipeline()) as unknown as Record<string, AnyFn>;
        for (const [, method, args] of entries) {
          if (typeof chain[method] === 'function') chain[method]!(...args);
          else chain.call!(method, ...args);
        }
        // Entries lost to the connection make the whole operation a failure (classified, counted, maybe retried).
        return (chain.exec!() as Promise<Results | null>).then((results) => {
          const failed = batchFailure(results);
          if (failed) throw failed;
          return results;
        });
      },
    });
  }
}

export function createBatch(core: GuardedCore, kind: 'pipeline' | 'multi', initial?: unknown[][]): ChainableCommander {
  return new Batch(core, kind, initial) as unknown as ChainableCommander;
}

for (const name of list) {
  if (!/^[a-z][a-z0-9_]*$/.test(name) || name in Batch.prototype) continue;
  for (const method of [name, `${name}Buffer`]) {
    Object.defineProperty(Batch.prototype, method, {
      value: function (this: Batch, ...args: unknown[]) {
        this.entries.push([name, method, args]);
        return this;
      },
      writable: true,
      configurable: true,
    });
  }
}
