/**
 * One command call, as every generated method makes it: split off a node-style callback, build the CallSpec and run
 * it through the executor, under the transaction rules while a WATCH/MULTI is open (transaction.ts). Per-command
 * facts (blocking, part of a transaction) are worked out once, when the methods are generated, not per call.
 */
import { hasFlag, list } from '@ioredis/commands';
import { commandRetrySafety } from '../retry/idempotency.js';
import type { CallSpec } from './attempt.js';
import { blockingTimeoutMs } from './blocking.js';
import type { RedisClient } from './connection.js';
import type { Executor } from './executor.js';
import { TX_COMMANDS } from './transaction.js';
import type { AnyFn, Callback, GuardedCore } from './types.js';

/** Commands that may block on the server. */
export const BLOCKING: ReadonlySet<string> = new Set(list.filter((n) => hasFlag(n, 'blocking')));

/** Bit flags of a command, fixed per name. */
export const IS_BLOCKING = 1;
export const IS_TX = 2;

export function commandFlags(name: string): number {
  return (BLOCKING.has(name) ? IS_BLOCKING : 0) | (TX_COMMANDS.has(name) ? IS_TX : 0);
}

/** Where a call goes when not to the client's own executor (the subscriber connection, a lease). */
export interface Route {
  executor: Executor;
  /** Harmless to repeat whatever the command (SUBSCRIBE and the like). */
  retrySafe?: boolean;
}

/** Split a trailing node-style callback off the arguments. */
export function splitCallback(args: unknown[]): [unknown[], Callback | undefined] {
  const last = args[args.length - 1];
  return typeof last === 'function' ? [args.slice(0, -1), last as Callback] : [args, undefined];
}

/** Settle `callback` (if any) from `promise`, as ioredis does; the promise is returned either way. */
export function withCallback<T>(promise: Promise<T>, callback: Callback | undefined): Promise<T> {
  if (callback) {
    promise.then(
      (v) => callback(null, v),
      (e: unknown) => callback(e),
    );
  }
  return promise;
}

/** `method` is the ioredis method to call on the connection: the command (`get`, `getBuffer`) or `call`/`callBuffer`. */
export function runCommand(
  core: GuardedCore,
  name: string,
  rawArgs: unknown[],
  method: string,
  flags = commandFlags(name),
  route?: Route,
): Promise<unknown> {
  // The common case (no callback, no transaction) allocates nothing beyond the call itself.
  let args = rawArgs;
  let callback: Callback | undefined;
  if (typeof args[args.length - 1] === 'function') [args, callback] = splitCallback(args);
  const blocking = (flags & IS_BLOCKING) !== 0;
  const promise =
    core.tx.active || (flags & IS_TX) !== 0
      ? core.tx.run(name, (once) => send(core, name, args, method, blocking, once, route))
      : send(core, name, args, method, blocking, false, route);
  return callback ? withCallback(promise, callback) : promise;
}

function send(
  core: GuardedCore,
  name: string,
  args: unknown[],
  method: string,
  blocking: boolean,
  once: boolean,
  route: Route | undefined,
): Promise<unknown> {
  return (route?.executor ?? core.executor).run(
    new CommandCall(core, name, args, method, blocking ? blockingTimeoutMs(name, args) : undefined, once, route),
  );
}

/**
 * One command's CallSpec: an instance of a class with methods, not an object literal with two closures. Besides
 * allocating less, V8 never pretenures it: after a burst of concurrent calls (a `Promise.all` warm-up, with a
 * scavenge while every call is alive) V8 may decide that an object literal's allocation site makes long-lived objects
 * and allocate them in the old generation from then on, where each keeps its call's young objects alive through
 * every scavenge until the next full GC. ioredis's own command-queue entry is such a literal: after a burst, raw
 * ioredis spends about 30 % more CPU per GET for the rest of the process (`pnpm --filter @redis-resilience/bench run
 * burst`); an untraced call of this package adds no literal of its own on the way.
 */
class CommandCall implements CallSpec<unknown> {
  constructor(
    private readonly core: GuardedCore,
    readonly operation: string,
    readonly args: unknown[],
    private readonly method: string,
    readonly blockMs: number | undefined,
    readonly once: boolean,
    private readonly route: Route | undefined,
  ) {}

  isRetrySafe(): boolean {
    const { operation, args, core } = this;
    return this.route?.retrySafe === true || commandRetrySafety(operation, args, core.idempotentWrites) === 'safe';
  }

  send(client: RedisClient): Promise<unknown> {
    const redis = client as unknown as Record<string, AnyFn>;
    const { method, args } = this;
    // `call`/`callBuffer` take the command name first; a command method takes only the arguments.
    const reply =
      method === 'call' || method === 'callBuffer'
        ? redis[method]!.call(redis, this.operation, ...args)
        : redis[method]!.apply(redis, args);
    return reply as Promise<unknown>;
  }
}

/**
 * Command names a method is generated for: the ones ioredis generates, from the same list (plus its `sentinel`, minus
 * `monitor`, which is a method that makes a connection of its own).
 */
export const COMMAND_NAMES: readonly string[] = [
  ...new Set([...list.filter((n) => n !== 'monitor' && /^[a-z][a-z0-9_-]*$/.test(n)), 'sentinel']),
];

/** Define `name` and `nameBuffer` on `proto` for every command in `names`, each unless `proto` has it already. */
export function defineCommandMethods(
  proto: object,
  names: readonly string[],
  make: (name: string, method: string, flags: number) => AnyFn,
): void {
  for (const name of names) {
    const flags = commandFlags(name);
    for (const method of [name, `${name}Buffer`]) {
      if (Object.hasOwn(proto, method)) continue;
      Object.defineProperty(proto, method, { value: make(name, method, flags), writable: true, configurable: true });
    }
  }
}
