/**
 * A guarded client: ioredis's public surface, with every command run through the executor. Command methods are
 * generated once, on the prototype, from the @ioredis/commands list, so a call costs one property lookup (no Proxy).
 * It is an EventEmitter, and its host (host.ts) re-emits the connection's events on it, so `on('ready' | 'error' |
 * 'message' …)` works as on ioredis. This class sends everything on its own executor: it is what `duplicate()` and
 * `withConnection` hand out; `rr.client` adds the routing a shared pool needs (shared-client.ts).
 */
import { EventEmitter } from 'node:events';
import { list } from '@ioredis/commands';
import type { ChainableCommander, Cluster, Command, Redis } from 'ioredis';
import { createBatch } from './batch.js';
import { COMMAND_NAMES, defineCommandMethods, runCommand, withCallback } from './commands.js';
import { isClusterInstance } from './detect.js';
import { scriptMethods, validateDefinition } from './scripts.js';
import { installSurface } from './surface.js';
import type { AnyFn, Callback, GuardedCore, ScriptDefinition } from './types.js';

/**
 * What `rr.client` offers: ioredis's `Redis`, so that code and libraries typed for ioredis take it as is. Command
 * errors pass through as ioredis raises them; a Redis that cannot serve gives a RedisUnavailableError (see README's
 * table of deliberate differences).
 */
export interface ResilientClient extends Redis {
  /** The underlying ioredis client, unguarded: for what this wrapper does not cover. */
  readonly raw: Redis | Cluster;
}

export function createGuardedClient(core: GuardedCore): ResilientClient {
  return new GuardedClient(core) as unknown as ResilientClient;
}

type MultiOptions = { pipeline?: boolean };

export class GuardedClient extends EventEmitter {
  readonly isCluster: boolean;
  /** ioredis's record of `defineCommand`, kept for code that reads it. */
  readonly scriptsSet: Record<string, ScriptDefinition> = {};
  /** ioredis's record of `addBuiltinCommand`. */
  readonly addedBuiltinSet = new Set<string>();

  constructor(readonly core: GuardedCore) {
    super();
    const redis = core.redis();
    this.isCluster = isClusterInstance(redis);
    core.host.relay(this);
    // ioredis defines `options.scripts` at construction; so do we.
    const scripts = (redis.options as { scripts?: Record<string, ScriptDefinition> }).scripts;
    for (const [name, def] of Object.entries(scripts ?? {})) this.defineCommand(name, def);
  }

  get status(): string {
    return this.core.redis().status;
  }

  /** The ioredis options of the connection (the pool's first). */
  get options(): Redis['options'] {
    return this.core.redis().options as Redis['options'];
  }

  get raw(): Redis | Cluster {
    return this.core.redis();
  }

  get mode(): string {
    return (this.core.redis() as Partial<Redis>).mode ?? 'normal';
  }

  get stream(): Redis['stream'] | undefined {
    return (this.core.redis() as Partial<Redis>).stream;
  }

  get condition(): Redis['condition'] {
    return (this.core.redis() as Partial<Redis>).condition ?? null;
  }

  get commandQueue(): Redis['commandQueue'] | undefined {
    return (this.core.redis() as Partial<Redis>).commandQueue;
  }

  /** With `enableAutoPipelining`, the connection itself batches what the executor hands it. */
  get autoPipelineQueueSize(): number {
    return (this.core.redis() as Partial<Redis>).autoPipelineQueueSize ?? 0;
  }

  call(name: string, ...args: unknown[]): Promise<unknown> {
    return runCommand(this.core, String(name).toLowerCase(), args, 'call');
  }

  callBuffer(name: string, ...args: unknown[]): Promise<unknown> {
    return runCommand(this.core, String(name).toLowerCase(), args, 'callBuffer');
  }

  pipeline(commands?: unknown[][]): ChainableCommander {
    return createBatch(this.core, 'pipeline', commands);
  }

  /** A guarded MULTI/EXEC batch; `{ pipeline: false }` sends MULTI now, and the commands after it are queued by Redis. */
  multi(commands?: unknown[][] | MultiOptions, options?: MultiOptions): ChainableCommander | Promise<unknown> {
    const opts = options ?? (Array.isArray(commands) ? undefined : commands);
    if (opts?.pipeline === false) return this.beginMulti();
    return createBatch(this.core, 'multi', Array.isArray(commands) ? commands : undefined);
  }

  protected beginMulti(): Promise<unknown> {
    // `call`, not `multi`: ioredis's multi() with no argument makes a pipeline rather than sending MULTI.
    return runCommand(this.core, 'multi', [], 'call');
  }

  defineCommand(name: string, definition: ScriptDefinition): void {
    validateDefinition(name, definition);
    const def: ScriptDefinition = {
      lua: definition.lua,
      numberOfKeys: definition.numberOfKeys,
      readOnly: definition.readOnly,
    };
    this.core.scripts.set(name, def);
    this.scriptsSet[name] = def;
    const [asString, asBuffer] = scriptMethods(this.core, def);
    const self = this as unknown as Record<string, AnyFn>;
    self[name] = asString;
    self[`${name}Buffer`] = asBuffer;
  }

  getBuiltinCommands(): string[] {
    return [...list.filter((c) => c !== 'monitor'), 'sentinel'];
  }

  createBuiltinCommand(commandName: string): { string: AnyFn; buffer: AnyFn } {
    const name = String(commandName).toLowerCase();
    return {
      string: function (this: GuardedClient, ...args: unknown[]) {
        return runCommand(this.core, name, args, 'call');
      },
      buffer: function (this: GuardedClient, ...args: unknown[]) {
        return runCommand(this.core, name, args, 'callBuffer');
      },
    };
  }

  addBuiltinCommand(commandName: string): void {
    this.addedBuiltinSet.add(commandName);
    const { string, buffer } = this.createBuiltinCommand(commandName);
    const self = this as unknown as Record<string, AnyFn>;
    self[commandName] = string;
    self[`${commandName}Buffer`] = buffer;
  }

  /**
   * ioredis's low-level send. One attempt (a Command cannot be sent twice); when the call fails without a reply,
   * `command.promise` is settled too, for callers that wait on it rather than on the return value.
   */
  sendCommand(command: Command): Promise<unknown> {
    const name = String(command.name).toLowerCase();
    const start = () =>
      this.core.executor.run({
        operation: name,
        args: command.args,
        isRetrySafe: () => false,
        once: true,
        send: (client) => {
          client.sendCommand(command);
          return command.promise as Promise<unknown>;
        },
      });
    const promise = this.core.tx.active ? this.core.tx.run(name, start) : start();
    promise.catch((err: unknown) => {
      if (!command.isSettled) command.reject(err as Error);
    });
    return promise;
  }

  connect(callback?: Callback): Promise<void> {
    return withCallback(this.core.host.connect(), callback);
  }

  disconnect(reconnect = false): void {
    this.core.host.disconnect(reconnect);
  }

  /** @deprecated ioredis's alias of `disconnect()`. */
  end(): void {
    this.disconnect();
  }

  quit(callback?: Callback): Promise<'OK'> {
    return withCallback(this.core.host.quit(), callback);
  }

  /** QUIT with the reply as a Buffer, as ioredis has it; not a QUIT sent on one connection of the pool. */
  quitBuffer(callback?: Callback): Promise<Buffer> {
    return withCallback(
      this.core.host.quit().then((ok) => Buffer.from(ok)),
      callback,
    );
  }

  duplicate(override?: object): unknown {
    return this.core.host.duplicate(override);
  }

  monitor(callback?: Callback): Promise<Redis> {
    return withCallback(this.core.host.monitor(), callback);
  }

  /** Emit only when someone listens (ioredis's silentEmit, without its console output). */
  silentEmit(eventName: string, arg?: unknown): boolean {
    return this.listenerCount(eventName) > 0 ? this.emit(eventName, arg) : false;
  }
}

installSurface(GuardedClient.prototype);

defineCommandMethods(
  GuardedClient.prototype,
  COMMAND_NAMES,
  (name, method, flags) =>
    function (this: GuardedClient, ...args: unknown[]) {
      return runCommand(this.core, name, args, method, flags);
    },
);
